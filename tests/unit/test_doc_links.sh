#!/usr/bin/env bash
# test_doc_links.sh - every relative link of the documentation resolves.
#
#   tests/unit/test_doc_links.sh [FILE.md ...]   (default: README.md docs/*.md)
#
# For each [text](target) and ![alt](target) outside code (fenced blocks and
# `code spans`): a relative target must exist (file or folder, from the
# linking file's folder), and a #fragment must name a heading of the .md file
# it points into (its own file when the path is empty), by GitHub's anchor
# rules: lower case, punctuation dropped (but - and _), blanks to "-", and
# "-1", "-2" ... for repeated headings. http(s) and mailto links are not
# followed. Prints each broken link as file:line and exits 1; exits 1 too
# when no link was checked at all, or when the checker misses the broken
# links of its own sample (a check that checks nothing must not pass).
# Run from anywhere; paths are taken from the project root.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P) || exit 1
cd "$root" || exit 1
export LC_ALL=C

# strip_code FILE: the file's lines, numbered "N<TAB>text", with fenced code
# blocks emptied and `code spans` removed
strip_code() {
	awk '
		/^[[:space:]]*(```|~~~)/ { fence = !fence; print NR "\t"; next }
		fence { print NR "\t"; next }
		{ gsub(/`[^`]*`/, ""); print NR "\t" $0 }
	' "$1"
}

# anchors FILE: the GitHub anchor of every heading of FILE, one a line
anchors() {
	strip_code_keep_headings "$1" | awk '
		{
			h = $0
			sub(/^#+[[:space:]]+/, "", h); sub(/[[:space:]]+#+[[:space:]]*$/, "", h)
			h = tolower(h)
			# U+2000-U+2BFF (dashes, quotes, arrows, symbols: never letters) as UTF-8
			gsub(/\342[\200-\257][\200-\277]/, "", h)
			gsub(/[][!"#$%&'\''()*+,.\/:;<=>?@\\^`{|}~]/, "", h)
			gsub(/ /, "-", h)
			n = seen[h]++
			print (n ? h "-" n : h)
		}'
}

# the headings of FILE outside fenced blocks (code spans kept: their text
# counts in the anchor)
strip_code_keep_headings() {
	awk '
		/^[[:space:]]*(```|~~~)/ { fence = !fence; next }
		!fence && /^#+[[:space:]]/ { print }
	' "$1"
}

# check FILE...: print every broken link; the number checked goes to $checked
checked=0
check() {
	local file dir line text target path fragment resolved bad=0
	for file in "$@"; do
		dir=$(dirname "$file")
		while IFS=$'\t' read -r line text; do
			while [[ $text =~ \]\(([^\)[:space:]]+)\) ]]; do
				target=${BASH_REMATCH[1]}
				text=${text#*"${BASH_REMATCH[0]}"}
				case $target in
				http://* | https://* | mailto:*) continue ;;
				esac
				checked=$((checked + 1))
				path=${target%%#*}
				fragment=""
				[[ $target == *#* ]] && fragment=${target#*#}
				if [[ -z $path ]]; then
					resolved=$file
				else
					resolved=$dir/$path
				fi
				if [[ ! -e $resolved ]]; then
					echo "$file:$line: broken link $target: no such file or folder"
					bad=$((bad + 1))
				elif [[ -n $fragment ]]; then
					if [[ $resolved != *.md ]]; then
						echo "$file:$line: broken link $target: a #fragment into a file that is no markdown"
						bad=$((bad + 1))
					elif ! anchors "$resolved" | grep -qxF -- "$fragment"; then
						echo "$file:$line: broken link $target: no heading with anchor #$fragment in $resolved"
						bad=$((bad + 1))
					fi
				fi
			done
		done < <(strip_code "$file")
	done
	return $((bad > 0))
}

# the checker on a sample of its own first: two good links, three broken ones
sample=$(mktemp -d) || exit 1
trap 'rm -rf -- "$sample"' EXIT
cat >"$sample/a.md" <<'EOF'
# The "first" heading: with `code`, punctuation — and a dash
## Repeated
## Repeated
[good](#the-first-heading-with-code-punctuation--and-a-dash) [good](a.md#repeated-1)
[missing file](b.md) [missing anchor](a.md#repeated-2) `[in code](nowhere.md)`
```
[in a fence](nowhere.md)
```
[missing folder](nowhere/)
EOF
check "$sample/a.md" >"$sample/out"
sample_out=$(<"$sample/out")
if [[ $(grep -c 'broken link' <<<"$sample_out") -ne 3 || $checked -ne 5 ]]; then
	echo "test_doc_links.sh: the checker is broken: on its sample it checked $checked links (expected 5) and found:"
	echo "$sample_out"
	exit 1
fi

checked=0
if [[ $# -eq 0 ]]; then
	set -- README.md docs/*.md
fi
check "$@"
status=$?
if ((checked == 0)); then
	echo "test_doc_links.sh: no link checked in $*"
	exit 1
fi
if ((status != 0)); then
	exit 1
fi
echo "ok: $checked links in $# files resolve"
