/** Reports go out only when they say something new; a reset makes the next one go out whatever it says. */
export class ReportGate {
  private last = '';

  /** Whether `report` differs from the last one let through (and lets it through if so). */
  changed(report: unknown): boolean {
    const text = JSON.stringify(report);
    if (text === this.last) return false;
    this.last = text;
    return true;
  }

  reset(): void {
    this.last = '';
  }
}
