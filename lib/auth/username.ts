export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;

// ASCII only after NFKC: "Ａｌｉｃｅ" becomes "alice", while look-alike letters from other
// scripts (Cyrillic "а" for Latin "a") cannot make a second account that reads the same.
const USERNAME_PATTERN = /^[a-z0-9._-]+$/;

/** The canonical form stored and compared: NFKC, lower case, no surrounding spaces. */
export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().trim();
}

/** Why a normalised username is not acceptable, or null when it is. */
export function getUsernameProblem(username: string): string | null {
  const length = [...username].length;
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH) {
    return `Username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters long.`;
  }
  if (!USERNAME_PATTERN.test(username)) {
    return 'Username may contain only letters a-z, digits, dots, underscores and hyphens.';
  }
  return null;
}
