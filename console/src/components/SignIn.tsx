import { useState } from 'react';
import { Button, Form, InlineNotification, PasswordInput, Tile } from '@carbon/react';
import type { Api } from '../lib/api.ts';
import { errorToast } from '../lib/errors.ts';

export function SignIn({ api }: { api: Api }) {
  const [apikey, setApikey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; subtitle: string } | undefined>();
  return (
    <main className="sl-content">
      <Tile className="sl-signin">
        <h1>Sign in to Sluice</h1>
        <p>Use an API key. Create one with <code>sluice login</code> or ask your administrator.</p>
        <Form
          aria-label="Sign in"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!apikey.trim()) return setError({ title: 'API key required', subtitle: 'Paste your API key to sign in.' });
            setBusy(true);
            setError(undefined);
            try {
              await api.signIn(apikey.trim());
            } catch (err) {
              setError(errorToast('Sign-in failed', err));
              setBusy(false);
            }
          }}
        >
          <PasswordInput id="apikey" labelText="API key" autoComplete="off" value={apikey} onChange={(e) => setApikey(e.target.value)} autoFocus />
          {error && <InlineNotification kind="error" title={error.title} subtitle={error.subtitle} lowContrast hideCloseButton />}
          <Button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </Form>
      </Tile>
    </main>
  );
}
