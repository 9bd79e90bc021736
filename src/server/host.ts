/**
 * The host of a server URL, apart from the session: the CLI decides which key goes to which host before
 * any connection is made, and importing it must not load the HTTP client (relabel without a judge never
 * needs it).
 */
/** The host of a URL, which decides answers (not the whole URL, not the key); the text itself if it is no URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
