export { type DevIdp, type DevIdpOptions, type DevResource, type DevTokens, startDevIdp } from './dev-idp.ts';
export { assertLoopback, DevIdpError, isLoopbackHost } from './loopback.ts';
export {
  DEMO_PEOPLE,
  DEMO_ROLE_SCOPES,
  type DevPerson,
  type RoleScopes,
  roleScopesEnv,
  scopesOf,
} from './people.ts';
export { signInAs } from './sign-in.ts';
