export interface Credentials {
  username: string;
  password: string;
}

/** Default users of the test registries: ADMIN may do everything, READER (token variant) may only pull. */
export const ADMIN: Credentials = { username: 'admin', password: 'admin-secret' };
export const READER: Credentials = { username: 'reader', password: 'reader-secret' };

export function basicAuthorization({ username, password }: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
