import { expect, test } from 'vitest';
import { hashPassword } from './auth.ts';
import { CredentialsFileError, parseCredentials } from './credentials-file.ts';

test('an observer entry is read as the read-only identity; one with a field of another kind is refused', async () => {
  const passwordHash = await hashPassword('a long enough secret');
  const observer = { kind: 'observer', site: 'sahlgrenska', id: 'watch-it' };
  expect(parseCredentials([{ username: 'watch-it', passwordHash, identity: observer }])).toEqual([{ username: 'watch-it', passwordHash, identity: observer }]);
  expect(() => parseCredentials([{ username: 'watch-it', passwordHash, identity: { ...observer, theatre: 'or-3' } }])).toThrow(CredentialsFileError);
  expect(() => parseCredentials([{ username: 'watch-it', passwordHash, identity: { ...observer, id: 'a/#' } }])).toThrow(/0\.identity\.id/);
});
