import { useState } from 'react';
import { Modal, TextInput } from '@carbon/react';
import { fieldErrors } from '../lib/errors.ts';
import { validateName } from '../lib/server-form.ts';
import { useToasts } from './Toasts.tsx';

/** Rename a server or a route. */
export function NameModal({ heading, current, onSave, onClose }: { heading: string; current: string; onSave(name: string): Promise<void>; onClose(): void }) {
  const [name, setName] = useState(current);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const toasts = useToasts();
  const submit = async () => {
    const problem = validateName(name);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      await onSave(name.trim());
      onClose();
    } catch (e) {
      const fields = fieldErrors(e);
      if (fields.name) setError(fields.name);
      else toasts.failure(`Could not rename ${current}`, e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      size="sm"
      modalHeading={heading}
      primaryButtonText={busy ? 'Saving…' : 'Save'}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={onClose}
      onRequestSubmit={submit}
      shouldSubmitOnEnter
    >
      <TextInput
        id="rename-input"
        labelText="Name"
        value={name}
        data-modal-primary-focus
        invalid={!!error}
        invalidText={error}
        onChange={(e) => {
          setName(e.target.value);
          setError(undefined);
        }}
      />
    </Modal>
  );
}
