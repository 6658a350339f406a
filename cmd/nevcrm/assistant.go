package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/nevcrm/nevcrm/internal/assistant"
)

// assistantCmd runs "nevcrm assistant eval": the assistant trained on the
// development part of the labelled questions, measured on the test part
// (or dev, or all) against the default knowledge base.
func assistantCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "eval" {
		fmt.Fprintln(stderr, "用法: nevcrm assistant eval [--part test|dev|all] [-v]")
		return errors.New("unknown assistant command")
	}
	fs := flag.NewFlagSet("assistant eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	part := fs.String("part", "test", "which part of the labelled set: test, dev or all")
	verbose := fs.Bool("v", false, "list every miss")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *part != "test" && *part != "dev" && *part != "all" {
		return fmt.Errorf("--part must be test, dev or all")
	}
	r, err := assistant.Evaluate(*part)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, r.String())
	if *verbose {
		for _, e := range r.Errors {
			fmt.Fprintln(stdout, e)
		}
	}
	return nil
}
