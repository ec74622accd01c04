/** A phone number or an e-mail typed on the join form, normalised; undefined when it is neither. */
export function parseContact(text: string): { phone: string | null; email: string | null } | undefined {
  const value = text.trim();
  if (value.includes('@')) {
    return /^[^\s@<>"',;]{1,64}@[^\s@<>"',;]+\.[a-z]{2,}$/i.test(value) && value.length <= 254
      ? { phone: null, email: value.toLowerCase() } : undefined;
  }
  const digits = value.replace(/[\s\-().]/g, '');
  return /^\+?[0-9]{9,15}$/.test(digits) ? { phone: digits, email: null } : undefined;
}
