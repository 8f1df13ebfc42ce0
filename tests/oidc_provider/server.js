// A local OpenID Connect provider for the end-to-end tests, configured as ProConnect
// behaves: userinfo returned as a signed JWT (RS256), logout through end_session with
// id_token_hint, the ProConnect scopes. The development login form takes any login: the
// tests type the agent's e-mail address there, and it comes back as the `email` claim.
//
//   PORT=... CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URI=... POST_LOGOUT_REDIRECT_URI=... node server.js
import Provider from 'oidc-provider';

const { PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI } = process.env;
for (const [name, value] of Object.entries({ PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI })) {
  if (!value) {
    console.error(`missing environment variable ${name}`);
    process.exit(2);
  }
}

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      userinfo_signed_response_alg: 'RS256',
    },
  ],
  scopes: ['openid', 'email', 'given_name', 'usual_name'],
  claims: {
    openid: ['sub'],
    email: ['email'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
  },
  features: {
    devInteractions: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // The login typed in the development form is the account id and the e-mail address.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, given_name: 'Camille', usual_name: 'Agent' };
      },
    };
  },
  cookies: { keys: ['tests-only-cookie-key'] },
};

const provider = new Provider(`http://127.0.0.1:${PORT}`, configuration);
provider.listen(Number(PORT), '127.0.0.1', () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${PORT}`);
});
