package bot

func approvalParseCases() []parseCase {
	return []parseCase{
		{name: "approvals lists", in: "approvals", want: Command{Verb: VerbApprovals}},
		{name: "approvals on", in: "approvals on", want: Command{Verb: VerbApprovals, Sub: "on", Who: "grantees,feeds"}},
		{name: "approvals off account", in: "Approvals OFF --account @Acme", want: Command{Verb: VerbApprovals, Sub: "off", Account: "acme"}},
		{name: "approve", in: "approve P7K2M9", want: Command{Verb: VerbApprove, PostID: "p7k2m9"}},
		{name: "reject", in: "reject p7k2m9", want: Command{Verb: VerbReject, PostID: "p7k2m9"}},
		{name: "reject reason", in: "reject #p7k2m9 not before the launch", want: Command{Verb: VerbReject, PostID: "p7k2m9", Text: "not before the launch"}},
	}
}

func approvalBadCases() []badCase {
	return []badCase{

		{"approvals maybe", "approvals maybe", VerbApprovals, "not “maybe”"},
		{"approvals two", "approvals on off", VerbApprovals, "not “off”"},
		{"approve bare", "approve", VerbApprove, "needs the post id"},
		{"approve extra", "approve p7k2m9 looks good", VerbApprove, "takes only the post id"},
		{"reject bare", "reject", VerbReject, "needs the post id"},
	}
}
