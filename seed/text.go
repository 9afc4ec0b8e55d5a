package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// fold lowercases s and strips French accents, for mail addresses and URLs ("Païta" → "paita").
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'à', 'â', 'ä', 'á':
			b.WriteRune('a')
		case 'é', 'è', 'ê', 'ë':
			b.WriteRune('e')
		case 'î', 'ï', 'í':
			b.WriteRune('i')
		case 'ô', 'ö', 'ó':
			b.WriteRune('o')
		case 'ù', 'û', 'ü', 'ú':
			b.WriteRune('u')
		case 'ç':
			b.WriteRune('c')
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slug turns a name into the local part of a mail address or a URL segment: folded letters and digits, words
// joined by sep, at most max characters (cut at a word boundary when possible).
func slug(s, sep string, max int) string {
	words := strings.FieldsFunc(fold(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	var out string
	for _, w := range words {
		next := w
		if out != "" {
			next = out + sep + w
		}
		if len(next) > max {
			if out == "" {
				out = w[:max]
			}
			break
		}
		out = next
	}
	return out
}

// phone formats a New Caledonian number: "+687" and three pairs of digits. prefix gives the first digits
// ("2" for a Nouméa landline, "43" for Le Mont-Dore, "7" for a mobile); the rest are drawn.
func phone(r *rand.Rand, prefix string) string {
	digits := prefix
	for len(digits) < 6 {
		digits += string(rune('0' + r.IntN(10)))
	}
	return fmt.Sprintf("+687 %s %s %s", digits[0:2], digits[2:4], digits[4:6])
}
