// The server's copy of the `stage2Lens.*` settings: from `initializationOptions.settings` at start,
// then pulled with workspace/configuration (section `stage2Lens`) when the client supports it, or
// taken from workspace/didChangeConfiguration's payload when it does not (Neovim's default).
import type { Connection } from 'vscode-languageserver/node';
import { defaultSettings, normalizeSettings, type Settings } from '../shared/settings';

export class ServerSettings {
  private value: Settings = defaultSettings;
  private pull = false;

  constructor(private readonly connection: Connection) {}

  get current(): Settings {
    return this.value;
  }

  initialize(initializationOptions: unknown, canPull: boolean): void {
    const opts = initializationOptions as { settings?: unknown } | undefined;
    if (opts?.settings !== undefined) this.value = normalizeSettings(opts.settings);
    this.pull = canPull;
  }

  /**
   * After `initialized`: the first pull; true when it changed the settings. Change notifications
   * come unasked: VS Code's client sends them for `synchronize.configurationSection`, Neovim always.
   */
  async start(): Promise<boolean> {
    return this.pull ? this.refresh(undefined) : false;
  }

  /** Returns true when the settings changed. */
  async refresh(pushed: unknown): Promise<boolean> {
    const before = JSON.stringify(this.value);
    if (this.pull) {
      const raw: unknown = await this.connection.workspace.getConfiguration({ section: 'stage2Lens' }).catch(() => undefined);
      if (raw !== undefined && raw !== null) this.value = normalizeSettings(raw);
    } else {
      const section = (pushed as { stage2Lens?: unknown } | undefined)?.stage2Lens;
      if (section !== undefined) this.value = normalizeSettings(section);
    }
    return JSON.stringify(this.value) !== before;
  }
}
