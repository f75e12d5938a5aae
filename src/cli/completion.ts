import type { Command, Option } from 'commander';

/** Values offered after a flag; the parsers validate them, this only helps typing. */
const VALUES: Record<string, string[]> = {
  '--output': ['json'],
  '--protocol': ['udp', 'tcp'],
  '--status': ['connected', 'disconnected'],
  '--action': ['deliver', 'drop', 'translate'],
  '--client-auth-methods': ['certificate', 'username', 'certificate,username'],
  '--enable-split-tunnel': ['true', 'false'],
};
const FILE_FLAGS = new Set(['--file']);

interface Verb {
  name: string;
  description: string;
  flags: { names: string[]; description: string; takesValue: boolean }[];
  choices: string[];
}

function verbsOf(program: Command): Verb[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    flags: command.options.map((o: Option) => ({ names: [o.long, o.short].filter((n): n is string => Boolean(n)), description: o.description, takesValue: o.required || o.optional })),
    choices: command.registeredArguments.flatMap((a) => a.argChoices ?? []),
  }));
}

const words = (items: string[]): string => items.join(' ');

export function bashCompletion(program: Command): string {
  const verbs = verbsOf(program);
  const valueCases = Object.entries(VALUES)
    .map(([flag, values]) => `    ${flag}) COMPREPLY=( $(compgen -W "${words(values)}" -- "$cur") ); return ;;`)
    .join('\n');
  const verbCases = verbs
    .map((v) => `    ${v.name}) opts="${words(v.flags.flatMap((f) => f.names))}"; args="${words(v.choices)}" ;;`)
    .join('\n');
  return `# sluice completion for bash. Load it with:  source <(sluice completion bash)
_sluice() {
  local cur prev opts args
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${words(verbs.map((v) => v.name))}" -- "$cur") )
    return
  fi
  case "$prev" in
${valueCases}
    ${[...FILE_FLAGS].join('|')}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "\${COMP_WORDS[1]}" in
${verbCases}
    *) opts=""; args="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$args" -- "$cur") )
  fi
}
complete -F _sluice sluice
`;
}

/** zsh _arguments specs need brackets, colons and quotes escaped. */
const zshText = (text: string): string => text.replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')')).replace(/:/g, '\\:').replace(/'/g, "'\\''");

function zshFlag(flag: Verb['flags'][number]): string {
  const name = flag.names.length > 1 ? `{${flag.names.join(',')}}` : flag.names[0] ?? '';
  const long = flag.names.find((n) => n.startsWith('--')) ?? '';
  const action = !flag.takesValue ? '' : VALUES[long] ? `:value:(${words(VALUES[long] ?? [])})` : FILE_FLAGS.has(long) ? ':file:_files' : ':value:';
  const spec = `[${zshText(flag.description)}]${action}`;
  return flag.names.length > 1 ? `'(${words(flag.names)})'${name}'${spec}'` : `'${name}${spec}'`;
}

export function zshCompletion(program: Command): string {
  const verbs = verbsOf(program);
  const list = verbs.map((v) => `    '${v.name}:${zshText(v.description)}'`).join('\n');
  const cases = verbs
    .map((v) => {
      const rest = v.choices.length ? `'1:shell:(${words(v.choices)})'` : `'*:argument:'`;
      return `    ${v.name}) _arguments ${[...v.flags.map(zshFlag), rest].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef sluice
# sluice completion for zsh. Load it with:  source <(sluice completion zsh)
# (needs compinit), or save it as _sluice in a directory on $fpath.
_sluice() {
  local -a verbs
  verbs=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'sluice command' verbs
    return
  fi
  local verb=$words[2]
  shift words
  (( CURRENT-- ))
  case $verb in
${cases}
  esac
}
if [[ "$funcstack[1]" == "_sluice" ]]; then
  _sluice "$@"
else
  compdef _sluice sluice
fi
`;
}
