import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ToastNotification } from '@carbon/react';
import { errorToast } from '../lib/errors.ts';

export interface Toast {
  kind: 'success' | 'error' | 'info' | 'warning';
  title: string;
  subtitle?: string;
  caption?: string;
}

interface ToastApi {
  notify(toast: Toast): void;
  success(title: string, subtitle?: string): void;
  failure(action: string, error: unknown): void;
}

const ToastContext = createContext<ToastApi | undefined>(undefined);

export function useToasts(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToasts outside ToastProvider');
  return ctx;
}

let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<(Toast & { id: number })[]>([]);
  const remove = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const notify = useCallback((toast: Toast) => setToasts((all) => [...all.slice(-4), { ...toast, id: nextId++ }]), []);
  const api = useMemo<ToastApi>(
    () => ({
      notify,
      success: (title, subtitle) => notify(subtitle === undefined ? { kind: 'success', title } : { kind: 'success', title, subtitle }),
      failure: (action, error) => notify({ kind: 'error', ...errorToast(action, error) }),
    }),
    [notify],
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="sl-toasts" aria-live="polite">
        {toasts.map((t) => (
          <ToastNotification
            key={t.id}
            kind={t.kind}
            title={t.title}
            subtitle={t.subtitle}
            caption={t.caption}
            timeout={t.kind === 'error' ? 0 : 6000}
            onClose={() => {
              remove(t.id);
              return false;
            }}
            onCloseButtonClick={() => remove(t.id)}
            role={t.kind === 'error' ? 'alert' : 'status'}
          />
        ))}
      </div>
    </ToastContext.Provider>
  );
}
