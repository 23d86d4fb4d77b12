# The two commands of the README. Both install what they need first.
.PHONY: demo test setup lint

demo:
	scripts/setup.sh demo
	scripts/demo.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh test

lint:
	.venv/bin/ruff check .
