import { CodeSnippet, InlineNotification, Modal } from '@carbon/react';
import type { GatewayJoinToken } from '../../../src/client/types.ts';
import { gatewayJoinCommand } from '../lib/gateway-form.ts';
import { exactTime } from '../lib/time.ts';

/**
 * A gateway's join token, shown the one time the API answers it (registration or a new token),
 * with the command that runs the gateway host and joins it to this control plane.
 */
export function JoinTokenModal({ gateway, joinToken, origin, onClose }: { gateway: string; joinToken: GatewayJoinToken; origin: string; onClose(): void }) {
  const command = gatewayJoinCommand(origin, joinToken.token);
  return (
    <Modal open size="md" modalHeading={`Join token for gateway ${gateway}`} modalLabel="Gateways" primaryButtonText="Done" onRequestClose={onClose} onRequestSubmit={onClose} data-testid="join-token-modal">
      <div className="sl-join-token">
        <InlineNotification
          kind="warning"
          lowContrast
          hideCloseButton
          title="Copy it now: it will not be shown again."
          subtitle={`The token works once, until ${exactTime(joinToken.expires_at)}. Should it be lost, issue a new one from the gateway’s row menu.`}
        />
        <div>
          <p className="sl-snippet-label">Join token</p>
          <CodeSnippet type="single" aria-label="Join token" copyButtonDescription="Copy join token" feedback="Copied">
            {joinToken.token}
          </CodeSnippet>
        </div>
        <div>
          <p className="sl-snippet-label">On the gateway host, run</p>
          <CodeSnippet type="multi" wrapText aria-label="Gateway command" copyButtonDescription="Copy command" feedback="Copied">
            {command}
          </CodeSnippet>
        </div>
        <p>
          The gateway exchanges the token for a credential of its own, saved in its data directory, and dials this control plane with it from then on; its status turns <strong>Connected</strong>.
        </p>
      </div>
    </Modal>
  );
}
