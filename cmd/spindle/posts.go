package main

import "context"

const postsUsage = `spindle posts edit <id> [--text T] [--at <when>] [--media-url URL] [--media-type IMAGE|VIDEO] [--json]
spindle posts delete <post> [--json]
spindle posts approve <id> [--json]
spindle posts reject <id> [--reason R] [--json]`

// runPosts is `spindle posts`: the operator acting on one post. edit changes a queued post
// (posts_edit.go); delete removes a published one from Threads (posts_delete.go); approve and
// reject decide one waiting for approval (posts_approve.go).
func runPosts(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || isFlag(args[0]) {
		return usagef("usage:\n%s", postsUsage)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "edit":
		return runPostsEdit(ctx, env, rest)
	case "delete":
		return runPostsDelete(ctx, env, rest)
	case "approve", "reject":
		return runPostsDecide(ctx, env, sub, rest)
	default:
		return usagef("unknown posts command %q; usage:\n%s", sub, postsUsage)
	}
}
