package community

import (
	"context"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Search (docs/系统设计.md, 车友圈搜索): every post is indexed in post_terms by
// the character bigrams of its Chinese text (换电站 → 换电, 电站) and the
// lower-cased words of its Latin text (ES6, OTA), with a weight per term of
// 3 per occurrence in the title, 1 in the body and 0.5 in a published
// comment. A query is cut the same way; a post matches when it holds every
// query term (for queries of more than three terms, three in four), and
// ranks by BM25's saturated term weight × IDF, newest first on ties. The
// index is a plain table, so the same SQL serves SQLite and PostgreSQL, and
// needs no dictionary: Chinese has no spaces and a word segmenter would
// miss the car and charging vocabulary owners use.

// Field weights of the index.
const (
	weightTitle   = 3.0
	weightBody    = 1.0
	weightComment = 0.5
	bm25K         = 1.2
)

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isWord(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// Terms cuts text into its search terms with their counts: the bigrams of
// each run of Chinese characters (a lone character stands for itself) and
// the lower-cased Latin words and numbers of two characters or more.
func Terms(text string) map[string]int {
	out := map[string]int{}
	rs := []rune(text)
	for i := 0; i < len(rs); {
		switch {
		case isHan(rs[i]):
			j := i
			for j < len(rs) && isHan(rs[j]) {
				j++
			}
			if j-i == 1 {
				out[string(rs[i])]++
			}
			for k := i; k+1 < j; k++ {
				out[string(rs[k:k+2])]++
			}
			i = j
		case isWord(rs[i]):
			j := i
			for j < len(rs) && isWord(rs[j]) {
				j++
			}
			if j-i >= 2 && j-i <= 32 {
				out[strings.ToLower(string(rs[i:j]))]++
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// addTerms adds the terms of text with weight w per occurrence to m.
func addTerms(m map[string]float64, text string, w float64) {
	for t, n := range Terms(text) {
		m[t] += w * float64(n)
	}
}

// IndexTerms are the index terms of a post and its published comments
// with their weights (the generator writes post_terms with them).
func IndexTerms(title, body string, comments []string) map[string]float64 {
	return postTerms(title, body, comments)
}

// postTerms are the index terms of a post and its published comments.
func postTerms(title, body string, comments []string) map[string]float64 {
	m := map[string]float64{}
	addTerms(m, title, weightTitle)
	addTerms(m, body, weightBody)
	for _, c := range comments {
		addTerms(m, c, weightComment)
	}
	return m
}

// writeTerms inserts terms of post id, adding to weights already indexed.
func writeTerms(ctx context.Context, q db.Querier, id int64, terms map[string]float64) error {
	keys := make([]string, 0, len(terms))
	for k := range terms {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a fixed lock order between concurrent writers
	const batch = 100
	for len(keys) > 0 {
		n := min(batch, len(keys))
		var sb strings.Builder
		args := make([]any, 0, 3*n)
		sb.WriteString(`INSERT INTO post_terms (term, post_id, weight) VALUES `)
		for i, k := range keys[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			p := len(args)
			sb.WriteString("($" + strconv.Itoa(p+1) + ", $" + strconv.Itoa(p+2) + ", $" + strconv.Itoa(p+3) + ")")
			args = append(args, k, id, terms[k])
		}
		sb.WriteString(` ON CONFLICT (term, post_id) DO UPDATE SET weight = post_terms.weight + excluded.weight`)
		if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// reindex rebuilds the index of post id from its title, body and published
// comments; a post that is not published is taken out of the index.
func reindex(ctx context.Context, q db.Querier, id int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM post_terms WHERE post_id = $1`, id); err != nil {
		return err
	}
	var title, body, status string
	if err := q.QueryRowContext(ctx, `SELECT title, body, status FROM posts WHERE id = $1`, id).Scan(&title, &body, &status); err != nil {
		if db.NoRows(err) {
			return nil
		}
		return err
	}
	if status != "published" {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT body FROM comments WHERE post_id = $1 AND status = 'published'`, id)
	if err != nil {
		return err
	}
	var comments []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		comments = append(comments, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return writeTerms(ctx, q, id, postTerms(title, body, comments))
}

// minMatch is how many of n query terms a post must hold.
func minMatch(n int) int {
	if n <= 3 {
		return n
	}
	return n - n/4
}

// queryTerms are the distinct terms of a search query, at most 12. A lone
// Chinese character is left out: the index holds it only where it stands
// alone, so a query of one character is matched as a substring instead.
func queryTerms(q string) []string {
	m := Terms(q)
	out := make([]string, 0, len(m))
	for t := range m {
		if r := []rune(t); len(r) == 1 && isHan(r[0]) {
			continue
		}
		out = append(out, t)
	}
	sort.Strings(out)
	if len(out) > 12 {
		out = out[:12]
	}
	return out
}

// searchIDs returns the ids of the published posts best matching q (in
// topic, when not ""), best first, at most limit.
func (s *Service) searchIDs(ctx context.Context, q, topic string, limit int) ([]int64, error) {
	terms := queryTerms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	// Document frequencies give each term its IDF.
	ph := make([]string, len(terms))
	args := make([]any, len(terms))
	for i, t := range terms {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = t
	}
	in := strings.Join(ph, ", ")
	rows, err := s.db.QueryContext(ctx, `SELECT term, COUNT(*) FROM post_terms WHERE term IN (`+in+`) GROUP BY term`, args...)
	if err != nil {
		return nil, err
	}
	df := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return nil, err
		}
		df[t] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	need := minMatch(len(terms))
	if len(df) < need {
		return nil, nil
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE status = 'published'`).Scan(&total); err != nil {
		return nil, err
	}
	var idf strings.Builder
	idf.WriteString("CASE t.term")
	for _, t := range terms {
		n := float64(df[t])
		v := math.Log(1 + (float64(total)-n+0.5)/(n+0.5))
		idf.WriteString(" WHEN " + "$" + strconv.Itoa(len(args)+1) + " THEN " + strconv.FormatFloat(v, 'f', 6, 64))
		args = append(args, t)
	}
	idf.WriteString(" ELSE 0 END")
	where := ""
	if topic != "" {
		args = append(args, topic)
		where = " AND p.topic = $" + strconv.Itoa(len(args))
	}
	args = append(args, need, limit)
	sqlText := `SELECT t.post_id FROM post_terms t JOIN posts p ON p.id = t.post_id
		WHERE t.term IN (` + in + `) AND p.status = 'published'` + where + `
		GROUP BY t.post_id HAVING COUNT(*) >= $` + strconv.Itoa(len(args)-1) + `
		ORDER BY SUM(t.weight / (t.weight + ` + strconv.FormatFloat(bm25K, 'f', 1, 64) + `) * ` + idf.String() + `) DESC, t.post_id DESC
		LIMIT $` + strconv.Itoa(len(args))
	rows, err = s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// asciiLower lower-cases ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// marks returns which bytes of text are covered by a query term.
func marks(text string, terms []string) []bool {
	m := make([]bool, len(text))
	low := asciiLower(text)
	for _, t := range terms {
		for from := 0; from < len(low); {
			i := strings.Index(low[from:], t)
			if i < 0 {
				break
			}
			for k := from + i; k < from+i+len(t); k++ {
				m[k] = true
			}
			from += i + len(t)
		}
	}
	return m
}

// Highlight returns text, escaped, with the spans matching the terms of
// query q wrapped in <mark>.
func Highlight(text, q string) template.HTML {
	return highlight(text, queryTerms(q))
}

func highlight(text string, terms []string) template.HTML {
	m := marks(text, terms)
	var sb strings.Builder
	open := false
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		if m[i] && !open {
			sb.WriteString("<mark>")
			open = true
		} else if !m[i] && open {
			sb.WriteString("</mark>")
			open = false
		}
		sb.WriteString(template.HTMLEscapeString(text[i : i+size]))
		i += size
	}
	if open {
		sb.WriteString("</mark>")
	}
	return template.HTML(sb.String()) //nolint:gosec // every piece of text is escaped
}

// Snippet returns about n characters of text around its first match of the
// terms of q, with the matches highlighted, and whether it matched at all.
func Snippet(text, q string, n int) (template.HTML, bool) {
	return snippet(text, queryTerms(q), n)
}

func snippet(text string, terms []string, n int) (template.HTML, bool) {
	text = strings.TrimSpace(spaces.ReplaceAllString(text, " "))
	m := marks(text, terms)
	first := -1
	for i, x := range m {
		if x {
			first = i
			break
		}
	}
	if first < 0 {
		return highlight(Excerpt(text, n), terms), false
	}
	rs := []rune(text)
	at := utf8.RuneCountInString(text[:first])
	from := max(0, at-n/4)
	to := min(len(rs), from+n)
	out := highlight(string(rs[from:to]), terms)
	if from > 0 {
		out = "…" + out
	}
	if to < len(rs) {
		out += "…"
	}
	return out, true
}
