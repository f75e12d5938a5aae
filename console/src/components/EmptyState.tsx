import type { ReactNode } from 'react';
import { Tile } from '@carbon/react';

export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Tile className="sl-empty">
      <h3>{title}</h3>
      <p>{children}</p>
      {action}
    </Tile>
  );
}
