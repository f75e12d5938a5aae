import { useState, type ReactNode } from 'react';
import { Modal } from '@carbon/react';

export interface ConfirmProps {
  heading: string;
  label?: string;
  body: ReactNode;
  confirmText: string;
  danger?: boolean;
  /** Resolves when done; the modal closes itself afterwards. */
  onConfirm(): Promise<void>;
  onClose(): void;
}

/** A danger confirmation; rendered only while open so there is never a hidden twin in the page. */
export function ConfirmModal({ heading, label, body, confirmText, danger = true, onConfirm, onClose }: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open
      danger={danger}
      size="sm"
      modalHeading={heading}
      modalLabel={label}
      primaryButtonText={busy ? 'Working…' : confirmText}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={() => !busy && onClose()}
      onRequestSubmit={async () => {
        setBusy(true);
        try {
          await onConfirm();
        } finally {
          setBusy(false);
          onClose();
        }
      }}
      data-testid="confirm-modal"
    >
      {body}
    </Modal>
  );
}
