package bot

func seriesParseCases() []parseCase {
	return []parseCase{
		{name: "every monday", in: "schedule every monday 09:00 Weekly update", want: Command{Verb: VerbSchedule, Every: "week mon 09:00", Text: "Weekly update"}},
		{name: "every day", in: "/schedule@SpindleBot EVERY day 18:00 Evening\nnews", want: Command{Verb: VerbSchedule, Every: "day 18:00", Text: "Evening\nnews"}},
		{name: "every 2 weeks", in: "schedule every 2 weeks monday 09:00 Sprint review", want: Command{Verb: VerbSchedule, Every: "2 weeks mon 09:00", Text: "Sprint review"}},
		{name: "every weekday", in: "schedule every weekday 08:30 Standup", want: Command{Verb: VerbSchedule, Every: "week mon,tue,wed,thu,fri 08:30", Text: "Standup"}},
		{name: "every until", in: "schedule every day 9am until 2027-03-01 x", want: Command{Verb: VerbSchedule, Every: "day 09:00 until 2027-03-01", Text: "x"}},
		{name: "every times", in: "schedule every mon,thu at 17:00 times 10 Day {{.N}}", want: Command{Verb: VerbSchedule, Every: "week mon,thu 17:00 times 10", Text: "Day {{.N}}"}},
		{name: "every account", in: "schedule --account @acme every day 18:00 A\n---\nB", want: Command{Verb: VerbSchedule, Account: "acme", Every: "day 18:00", Text: "A\n---\nB"}},
		{name: "series", in: "series", want: Command{Verb: VerbSeries, Sub: "list"}},
		{name: "series list", in: "/series list", want: Command{Verb: VerbSeries, Sub: "list"}},
		{name: "series pause", in: "series pause s12", want: Command{Verb: VerbSeries, Sub: "pause", ID: "s12"}},
		{name: "series resume upper", in: "series RESUME #S3", want: Command{Verb: VerbSeries, Sub: "resume", ID: "s3"}},
		{name: "series cancel", in: "series cancel s3", want: Command{Verb: VerbSeries, Sub: "cancel", ID: "s3"}},
		{name: "cancel series", in: "cancel s7", want: Command{Verb: VerbCancel, ID: "s7"}},
		{name: "cancel post still a post", in: "cancel p7k2m9", want: Command{Verb: VerbCancel, PostID: "p7k2m9"}},
	}
}

func seriesBadCases() []badCase {
	return []badCase{
		{"every nothing", "schedule every", VerbSeries, "needs the days, a time and the text"},
		{"every bad unit", "schedule every fortnight 09:00 x", VerbSeries, "“fortnight” is not a day"},
		{"every no time", "schedule every monday hello", VerbSeries, "Give the time of day"},
		{"every no text", "schedule every monday 09:00", VerbSeries, "needs the text to publish"},
		{"every no text after end", "schedule every day 09:00 times 3", VerbSeries, "needs the text to publish"},
		{"every bad until", "schedule every day 09:00 until soon x", VerbSeries, "“until” takes a date"},
		{"every 2 weeks no day", "schedule every 2 weeks 09:00 x", VerbSeries, "Say which day of the week"},
		{"every late account", "schedule every day 09:00 --account @a x", VerbSeries, "Put --account before “every”"},
		{"series unknown", "series stop s3", VerbSeries, "“series stop” is not something I can do"},
		{"series pause no id", "series pause", VerbSeries, "needs series id"},
		{"series pause post id", "series pause p7k2m9", VerbSeries, "“p7k2m9” is not a series id"},
		{"series pause zero", "series pause s0", VerbSeries, "is not a series id"},
		{"series extra", "series everything", VerbSeries, "is not something I can do"},
		{"series list extra", "series list all", VerbSeries, "alone lists them"},
	}
}
