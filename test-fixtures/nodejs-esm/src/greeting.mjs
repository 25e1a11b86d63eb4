export const greeting = (name = 'World') => `Hello, ${name}!`;
