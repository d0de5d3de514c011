package bot

func seriesParseCases() []parseCase { return nil }

func seriesBadCases() []badCase { return nil }
