// The bearer token the API calls carry. A stub until sign-in is built: the token is read from
// sessionStorage (gone when the tab closes); nothing about the user is kept in localStorage or
// IndexedDB.
export const TOKEN_KEY = "turvaverkko.token";

export function getToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage refused (privacy mode): signed out
  }
}

export function setToken(token: string): void {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  window.sessionStorage.removeItem(TOKEN_KEY);
}
