// Where a refused publication puts what it refused, so the console can link each to its setting
// (a field path of the refusal: `fields` in the API's error, fieldErrors in a form's state).

/** The images a release's directory lacks or may not be read from: its images-directory setting. */
export const imagesDirField = (release: string) => `releases.${release}.imagesDir`;

/** The release whose images-directory setting a refusal's field path names, if it names one. */
export function releaseOfImagesDirField(path: string): string | null {
  return /^releases\.(.+)\.imagesDir$/.exec(path)?.[1] ?? null;
}

/** A Secure Boot host that cannot boot what it is assigned: its Secure Boot setting. */
export const secureBootField = (host: string) => `hosts.${host}.secureBoot`;

/** The host whose Secure Boot setting a refusal's field path names, if it names one. */
export function hostOfSecureBootField(path: string): string | null {
  return /^hosts\.(.+)\.secureBoot$/.exec(path)?.[1] ?? null;
}
