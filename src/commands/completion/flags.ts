/** `radpo completion` takes no flags: the shell is its argument. */
export const completionFlags = {};
