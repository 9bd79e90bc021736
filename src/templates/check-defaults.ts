/**
 * The trainer budgets `radpo check` assumes (the paper's recipes), written once for check and relabel --chat-template.
 */
export const CHECK_DEFAULTS = { maxPromptLength: '512', maxLength: '1024', maxListed: '10' } as const;
