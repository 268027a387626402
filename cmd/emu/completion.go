package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emu-sim/emu/scenarios"
)

var completionCmd = &command{
	name:    "completion",
	args:    "bash|zsh|fish",
	summary: "print a shell completion script for emu's commands, flags and examples",
	help: `Prints a script that completes emu's commands, their flags, the values of
flags that take a fixed set (--format, --pcap-at, --host, --profile, --first) and the
built-in example names, for bash, zsh or fish. It is made from the same
command table as 'emu help', so it always matches this binary.

Load it for the current shell, or install it where the shell looks:
  bash: emu completion bash > ~/.local/share/bash-completion/completions/emu
  zsh:  emu completion zsh > "${fpath[1]}/_emu"
  fish: emu completion fish > ~/.config/fish/completions/emu.fish

Examples:
  emu completion bash > emu.bash
  emu completion fish > emu.fish
`,
}

func init() {
	completionCmd.run = cmdCompletion
}

// cmdRef is what completion knows of a command.
type cmdRef struct {
	name, summary string
	flags         []flagInfo
	examples      bool // its argument may be a built-in example's name
	words         []string
}

// completionModel lists every command with its flags.
func completionModel() ([]cmdRef, error) {
	var out []cmdRef
	for _, c := range commands {
		fl, err := commandFlags(c)
		if err != nil {
			return nil, fmt.Errorf("flags of %s: %w", c.name, err)
		}
		r := cmdRef{name: c.name, summary: c.summary, flags: fl}
		r.examples = strings.HasPrefix(c.args, "FILE.yaml|NAME") || strings.HasPrefix(c.args, "NAME")
		if c.name == "completion" {
			r.words = []string{"bash", "zsh", "fish"}
		}
		out = append(out, r)
	}
	return out, nil
}

func commandNames(ref []cmdRef) []string {
	var n []string
	for _, r := range ref {
		n = append(n, r.name)
	}
	return append(n, "help")
}

func writeBash(w io.Writer, ref []cmdRef) error {
	var b strings.Builder
	b.WriteString("# bash completion for emu (emu completion bash)\n")
	fmt.Fprintf(&b, "_emu() {\n")
	b.WriteString("    local cur prev cmd\n")
	b.WriteString("    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n")
	b.WriteString("    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n")
	b.WriteString("    cmd=\"${COMP_WORDS[1]}\"\n")
	b.WriteString("    if [[ $COMP_CWORD -eq 1 ]]; then\n")
	fmt.Fprintf(&b, "        COMPREPLY=( $(compgen -W %q -- \"$cur\") )\n", strings.Join(commandNames(ref), " "))
	b.WriteString("        return\n    fi\n")
	b.WriteString("    case \"$prev\" in\n")
	for _, name := range valueFlagNames() {
		fmt.Fprintf(&b, "        --%s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return ;;\n", name, strings.Join(flagValues[name], " "))
	}
	b.WriteString("    esac\n")
	b.WriteString("    case \"$cmd\" in\n")
	fmt.Fprintf(&b, "        help) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return ;;\n", strings.Join(commandNames(ref), " "))
	for _, r := range ref {
		var fl []string
		for _, f := range r.flags {
			fl = append(fl, "--"+f.name)
		}
		fmt.Fprintf(&b, "        %s)\n", r.name)
		b.WriteString("            if [[ $cur == -* ]]; then\n")
		fmt.Fprintf(&b, "                COMPREPLY=( $(compgen -W %q -- \"$cur\") )\n", strings.Join(fl, " "))
		b.WriteString("            else\n")
		if r.examples {
			fmt.Fprintf(&b, "                COMPREPLY=( $(compgen -W %q -- \"$cur\") $(compgen -f -- \"$cur\") )\n", strings.Join(scenarios.BuiltinNames(), " "))
		} else if len(r.words) > 0 {
			fmt.Fprintf(&b, "                COMPREPLY=( $(compgen -W %q -- \"$cur\") )\n", strings.Join(r.words, " "))
		} else {
			b.WriteString("                COMPREPLY=( $(compgen -f -- \"$cur\") )\n")
		}
		b.WriteString("            fi ;;\n")
	}
	b.WriteString("    esac\n}\ncomplete -o filenames -F _emu emu\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote quotes a description for zsh's _describe and _arguments specs.
func zshQuote(s string) string {
	s = strings.ReplaceAll(s, `'`, `'\''`)
	s = strings.ReplaceAll(s, `:`, `\:`)
	s = strings.ReplaceAll(s, `[`, `\[`)
	return strings.ReplaceAll(s, `]`, `\]`)
}

func writeZsh(w io.Writer, ref []cmdRef) error {
	var b strings.Builder
	b.WriteString("#compdef emu\n# zsh completion for emu (emu completion zsh)\n\n_emu() {\n")
	b.WriteString("  local -a commands\n  commands=(\n")
	for _, r := range ref {
		fmt.Fprintf(&b, "    '%s:%s'\n", r.name, zshQuote(r.summary))
	}
	b.WriteString("    'help:show the commands, or a command'\"'\"'s flags'\n  )\n")
	b.WriteString("  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n")
	b.WriteString("  local cmd=${words[2]}\n  case $cmd in\n")
	b.WriteString("    help) _describe 'command' commands ;;\n")
	for _, r := range ref {
		fmt.Fprintf(&b, "    %s)\n      _arguments \\\n", r.name)
		for _, f := range r.flags {
			spec := fmt.Sprintf("'--%s[%s]", f.name, zshQuote(f.usage))
			if f.arg != "" {
				if vals, ok := flagValues[f.name]; ok {
					spec += fmt.Sprintf(":%s:(%s)", zshQuote(f.arg), strings.Join(vals, " "))
				} else {
					spec += fmt.Sprintf(":%s:_files", zshQuote(f.arg))
				}
			}
			b.WriteString("        " + spec + "' \\\n")
		}
		switch {
		case r.examples:
			fmt.Fprintf(&b, "        '*:scenario:(%s)' \\\n        '*:file:_files'\n", strings.Join(scenarios.BuiltinNames(), " "))
		case len(r.words) > 0:
			fmt.Fprintf(&b, "        '1:shell:(%s)'\n", strings.Join(r.words, " "))
		default:
			b.WriteString("        '*:file:_files'\n")
		}
		b.WriteString("      ;;\n")
	}
	b.WriteString("  esac\n}\n\n_emu \"$@\"\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes a string for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func writeFish(w io.Writer, ref []cmdRef) error {
	var b strings.Builder
	b.WriteString("# fish completion for emu (emu completion fish)\ncomplete -c emu -f\n")
	names := strings.Join(commandNames(ref), " ")
	for _, r := range ref {
		fmt.Fprintf(&b, "complete -c emu -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", names, r.name, fishQuote(r.summary))
	}
	fmt.Fprintf(&b, "complete -c emu -n 'not __fish_seen_subcommand_from %s' -a help -d %s\n", names, fishQuote("show the commands, or a command's flags"))
	fmt.Fprintf(&b, "complete -c emu -n '__fish_seen_subcommand_from help' -a %s\n", fishQuote(strings.Join(commandNames(ref), " ")))
	for _, r := range ref {
		cond := fmt.Sprintf("'__fish_seen_subcommand_from %s'", r.name)
		for _, f := range r.flags {
			line := fmt.Sprintf("complete -c emu -n %s -l %s -d %s", cond, f.name, fishQuote(f.usage))
			if f.arg != "" {
				if vals, ok := flagValues[f.name]; ok {
					line += " -x -a " + fishQuote(strings.Join(vals, " "))
				} else {
					line += " -r -F"
				}
			}
			b.WriteString(line + "\n")
		}
		switch {
		case r.examples:
			fmt.Fprintf(&b, "complete -c emu -n %s -F -a %s\n", cond, fishQuote(strings.Join(scenarios.BuiltinNames(), " ")))
		case len(r.words) > 0:
			fmt.Fprintf(&b, "complete -c emu -n %s -a %s\n", cond, fishQuote(strings.Join(r.words, " ")))
		default:
			fmt.Fprintf(&b, "complete -c emu -n %s -F\n", cond)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// valueFlagNames returns the flags of flagValues in order, so that scripts
// do not depend on map order.
func valueFlagNames() []string {
	m := flagValues
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	slices.Sort(k)
	return k
}

// cmdCompletion runs emu completion.
func cmdCompletion(e *env, args []string) error {
	fs := newFlags(e, completionCmd)
	pos, err := parseFlags(e, completionCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu completion: name a shell: bash, zsh or fish")
	}
	ref, err := completionModel()
	if err != nil {
		return fmt.Errorf("emu completion: %w", err)
	}
	switch pos[0] {
	case "bash":
		return writeBash(e.stdout, ref)
	case "zsh":
		return writeZsh(e.stdout, ref)
	case "fish":
		return writeFish(e.stdout, ref)
	}
	return badInput("emu completion: %q: write bash, zsh or fish", pos[0])
}
