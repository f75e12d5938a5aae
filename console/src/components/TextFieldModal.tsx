import { useState, type ReactNode } from 'react';
import { Modal, TextInput } from '@carbon/react';
import { fieldErrors } from '../lib/errors.ts';
import { useToasts } from './Toasts.tsx';

export interface TextFieldModalProps {
  heading: string;
  /** Small text above the heading (the server the action is about). */
  label?: string;
  inputId: string;
  inputLabel: string;
  initial?: string;
  /** A message when the value cannot be sent as it is. */
  validate(value: string): string | undefined;
  /** The body field the API names when it refuses the value; its message goes under the input. */
  apiField: string;
  /** Toast title for any other failure. */
  failure: string;
  primaryText: string;
  busyText: string;
  /** Gets the trimmed value; the modal closes when it resolves. */
  onSubmit(value: string): Promise<void>;
  onClose(): void;
  /** Shown above the input. */
  children?: ReactNode;
}

/** A small modal around one text input: checked locally, then sent; a refusal naming the field lands on it. */
export function TextFieldModal({ heading, label, inputId, inputLabel, initial = '', validate, apiField, failure, primaryText, busyText, onSubmit, onClose, children }: TextFieldModalProps) {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const toasts = useToasts();
  const submit = async () => {
    const problem = validate(value);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      await onSubmit(value.trim());
      onClose();
    } catch (e) {
      const message = fieldErrors(e)[apiField];
      if (message) setError(message);
      else toasts.failure(failure, e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      size="sm"
      modalHeading={heading}
      {...(label === undefined ? {} : { modalLabel: label })}
      primaryButtonText={busy ? busyText : primaryText}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={onClose}
      onRequestSubmit={submit}
      shouldSubmitOnEnter
    >
      {children}
      <TextInput
        id={inputId}
        labelText={inputLabel}
        value={value}
        data-modal-primary-focus
        invalid={!!error}
        invalidText={error}
        onChange={(e) => {
          setValue(e.target.value);
          setError(undefined);
        }}
      />
    </Modal>
  );
}
