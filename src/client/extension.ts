// Placeholder: the extension client entry point (owned by the editor work).
export function activate(): void {}
export function deactivate(): void {}
