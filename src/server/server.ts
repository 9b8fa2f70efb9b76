// Placeholder: the language server entry point (owned by the editor work).
export {};
