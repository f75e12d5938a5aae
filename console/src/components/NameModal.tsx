import { validateName } from '../lib/server-form.ts';
import { TextFieldModal } from './TextFieldModal.tsx';

/** Rename a server or a route. */
export function NameModal({ heading, current, onSave, onClose }: { heading: string; current: string; onSave(name: string): Promise<void>; onClose(): void }) {
  return (
    <TextFieldModal
      heading={heading}
      inputId="rename-input"
      inputLabel="Name"
      initial={current}
      validate={validateName}
      apiField="name"
      failure={`Could not rename ${current}`}
      primaryText="Save"
      busyText="Saving…"
      onSubmit={onSave}
      onClose={onClose}
    />
  );
}
