// Placeholder: the timeline webview entry point (owned by the timeline work).
export {};
