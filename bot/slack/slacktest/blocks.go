package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Block Kit's limits the stand-in enforces, from Slack's Block Kit reference: a message has at
// most 50 blocks; a section's text is at most 3000 characters and its fields at most 10 of
// 2000; an actions block has 1–25 elements; a button's text is 1–75 characters, its
// action_id at most 255 and its value at most 2000; a context block has at most 10 elements.
// Slack refuses a message past any of them with invalid_blocks.
const (
	maxBlocks        = 50
	maxSectionText   = 3000
	maxSectionFields = 10
	maxFieldText     = 2000
	maxActions       = 25
	maxButtonText    = 75
	maxActionID      = 255
	maxButtonValue   = 2000
	maxContextElems  = 10
)

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type     string      `json:"type"`
	Text     *textObject `json:"text"`
	ActionID string      `json:"action_id"`
	Value    string      `json:"value"`
}

type block struct {
	Type     string          `json:"type"`
	Text     *textObject     `json:"text"`
	Fields   []textObject    `json:"fields"`
	Elements json.RawMessage `json:"elements"`
}

// ValidateBlocks returns an error saying why Slack would refuse a message with these blocks
// (JSON), or nil; for checking what a handler answers directly, which the stand-in never sees.
func ValidateBlocks(raw string) error {
	if p := checkBlocks(raw); p != "" {
		return errors.New("invalid_blocks: " + p)
	}
	return nil
}

// checkBlocks returns why Slack would refuse raw (a message's blocks as JSON), or "".
func checkBlocks(raw string) string {
	if raw == "" || raw == "null" {
		return ""
	}
	var blocks []block
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "blocks are not a JSON array of blocks: " + err.Error()
	}
	if len(blocks) > maxBlocks {
		return fmt.Sprintf("%d blocks, more than %d", len(blocks), maxBlocks)
	}
	for i, b := range blocks {
		if p := checkBlock(b); p != "" {
			return fmt.Sprintf("block %d (%s): %s", i, b.Type, p)
		}
	}
	return ""
}

func checkBlock(b block) string {
	switch b.Type {
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			return "a section needs text or fields"
		}
		if b.Text != nil && (b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > maxSectionText) {
			return fmt.Sprintf("text must be 1–%d characters", maxSectionText)
		}
		if len(b.Fields) > maxSectionFields {
			return fmt.Sprintf("more than %d fields", maxSectionFields)
		}
		for _, f := range b.Fields {
			if utf8.RuneCountInString(f.Text) > maxFieldText {
				return fmt.Sprintf("a field over %d characters", maxFieldText)
			}
		}
	case "actions":
		var els []element
		if err := json.Unmarshal(b.Elements, &els); err != nil || len(els) == 0 || len(els) > maxActions {
			return fmt.Sprintf("an actions block needs 1–%d elements", maxActions)
		}
		for _, e := range els {
			if p := checkButton(e); p != "" {
				return p
			}
		}
	case "context":
		var els []json.RawMessage
		if err := json.Unmarshal(b.Elements, &els); err != nil || len(els) == 0 || len(els) > maxContextElems {
			return fmt.Sprintf("a context block needs 1–%d elements", maxContextElems)
		}
	}
	return ""
}

func checkButton(e element) string {
	if e.Type != "button" {
		return ""
	}
	switch {
	case e.Text == nil || e.Text.Text == "" || utf8.RuneCountInString(e.Text.Text) > maxButtonText:
		return fmt.Sprintf("a button's text must be 1–%d characters", maxButtonText)
	case len(e.ActionID) > maxActionID:
		return fmt.Sprintf("action_id over %d characters", maxActionID)
	case len(e.Value) > maxButtonValue:
		return fmt.Sprintf("value over %d characters", maxButtonValue)
	}
	return ""
}
