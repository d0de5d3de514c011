package bot

// laterParseCases and laterBadCases are the grammar cases of the verbs added since
// command_test.go's tables (edit, series, schedule every), read in Europe/Paris at testNow
// (Mon 23 Nov 2026 10:02 CET).
func laterParseCases() []parseCase {
	return append(editParseCases(), seriesParseCases()...)
}

func laterBadCases() []badCase {
	return append(editBadCases(), seriesBadCases()...)
}

func editParseCases() []parseCase {
	return []parseCase{
		{name: "edit text", in: "edit p7k2m9 New words\nsecond line", want: Command{Verb: VerbEdit, PostID: "p7k2m9", Text: "New words\nsecond line"}},
		{name: "edit hash upper", in: "/edit@SpindleBot #P7K2M9 x", want: Command{Verb: VerbEdit, PostID: "p7k2m9", Text: "x"}},
		{name: "edit at", in: "edit p7k2m9 at tomorrow 09:00", want: Command{Verb: VerbEdit, PostID: "p7k2m9", When: "tomorrow 09:00"}, at: "2026-11-24T08:00:00Z"},
		{name: "edit at with text", in: "edit p7k2m9 AT in 2h New text", want: Command{Verb: VerbEdit, PostID: "p7k2m9", When: "in 2h", Text: "New text"}, at: "2026-11-23T11:02:00Z"},
		{name: "edit protected at", in: "edit p7k2m9 -- at last!", want: Command{Verb: VerbEdit, PostID: "p7k2m9", Text: "at last!"}},
		{name: "edit text with at inside", in: "edit p7k2m9 meet at noon", want: Command{Verb: VerbEdit, PostID: "p7k2m9", Text: "meet at noon"}},
	}
}

func editBadCases() []badCase {
	return []badCase{
		{"edit empty", "edit", VerbEdit, "needs a post id"},
		{"edit bad id", "edit hello world", VerbEdit, "“hello” is not a post id"},
		{"edit no change", "edit p7k2m9", VerbEdit, "needs the new text, or “at <when>”"},
		{"edit at nothing", "edit p7k2m9 at", VerbEdit, "needs the new time"},
		{"edit at bad time", "edit p7k2m9 at soon", VerbEdit, "“soon” is not a time"},
		{"edit at past", "edit p7k2m9 at today 08:00", VerbEdit, "already past"},
		{"edit only dashes", "edit p7k2m9 --", VerbEdit, "needs the new text"},
	}
}
