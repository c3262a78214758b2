// Every call the console makes goes through here: the same API and rules a script uses. The
// credentials the user typed stay in this tab's sessionStorage and travel as the Authorization
// header (no cookie, so a cross-site page cannot make the browser send them).
const KEY = 'karavel.authorization';

export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function authorization() {
  return sessionStorage.getItem(KEY);
}

export function setAuthorization(value) {
  if (value) {
    sessionStorage.setItem(KEY, value);
  } else {
    sessionStorage.removeItem(KEY);
  }
}

export function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return `Basic ${btoa(binary)}`;
}

export async function call(method, path, body) {
  const headers = { 'Accept': 'application/json', 'X-Karavel-Console': '1' };
  if (method !== 'GET') {
    // the admin API takes changes only as JSON: no form of another site can send that
    headers['Content-Type'] = 'application/json';
  }
  const auth = authorization();
  if (auth) {
    headers['Authorization'] = auth;
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const code = data && data.error ? data.error : `http_${response.status}`;
    const message = data && data.message ? data.message : `${method} ${path}: HTTP ${response.status}`;
    const failure = new ApiFailure(response.status, code, message);
    if (response.status === 401) {
      // whichever view or action met it, the page asks for credentials (or the token) and stays where it is
      window.dispatchEvent(new CustomEvent('karavel-unauthorized', { detail: failure }));
    }
    throw failure;
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const del = (path) => call('DELETE', path);

/** A path segment: an address or domain as the API expects it in a URL. */
export const seg = (text) => encodeURIComponent(text);
