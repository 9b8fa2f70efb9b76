// The one module that knows about @vscode/webview-ui-toolkit (archived upstream): it registers only
// the controls the timeline uses. Moving to a maintained successor touches this file alone; the
// rest of the webview uses the custom element names and plain DOM events.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption, vsCodeTextField } from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());
}

/** Tag names of the registered controls, for the page template and the code that reads them. */
export const Controls = {
  button: 'vscode-button',
  dropdown: 'vscode-dropdown',
  option: 'vscode-option',
  textField: 'vscode-text-field',
} as const;
