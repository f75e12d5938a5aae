import { Type } from 'typebox';
import { Id, VersionQuery, named } from '../../schemas.ts';

export const Params = Type.Object({ id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' });

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const ProfileText = Type.String({ pattern: '^[\\s\\S]*client[\\s\\S]*$', minLength: 1, maxLength: 1_000_000, description: 'OpenVPN client profile (.ovpn).' });

export const Profile = (description: string) => ({ description, content: { 'text/plain': { schema: ProfileText } } });

export const ProfilePrototype = named('VPNServerClientProfilePrototype', Type.Object(
  { common_name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', description: 'Common name of the new client certificate.' }) },
  { additionalProperties: false, description: 'Whom the profile is for.' },
));
