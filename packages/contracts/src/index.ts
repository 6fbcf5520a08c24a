export const placeholder = 1 as const;
