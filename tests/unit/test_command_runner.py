"""Running a step's shell command: exit codes, kept output, env from exports, timeouts that kill."""

from __future__ import annotations

import asyncio
import os

from oncall_tui.services.command_runner import run_command, script_for


async def test_success_and_failure_exit_codes() -> None:
    ok = await run_command("true")
    failed = await run_command("false")
    assert (ok.exit_code, ok.ok, ok.summary()) == (0, True, "exit 0")
    assert (failed.exit_code, failed.ok, failed.summary()) == (1, False, "exit 1")


async def test_output_is_merged_and_only_the_first_lines_kept() -> None:
    result = await run_command("echo out; echo err >&2; seq 1 5000; exit 3", max_lines=4)
    assert result.exit_code == 3
    assert result.output == ("out", "err", "1", "2")
    assert result.truncated


async def test_env_from_earlier_exports() -> None:
    result = await run_command('echo "$NS/$POD"', env={"NS": "shop", "POD": "$(echo web-1)"})
    assert result.output == ("shop/web-1",)
    # A value only a shell can expand is set by an export line, shown in the script that ran.
    assert result.script == 'export POD=$(echo web-1)\necho "$NS/$POD"'
    assert script_for("x", {"A": "plain"}) == "x"


async def test_timeout_kills_the_command_and_its_children(tmp_path: object) -> None:
    result = await run_command("echo started; sleep 30 | cat; echo never", time_limit=0.5)
    assert result.timed_out and result.exit_code is None
    assert result.output == ("started",)
    assert result.summary().startswith("timed out after")
    assert result.duration < 10


async def test_the_event_loop_keeps_running_while_a_command_runs() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        result = await run_command("sleep 0.5; echo done")
    finally:
        ticker.cancel()
    assert result.output == ("done",)
    assert ticks >= 10


async def test_a_command_that_cannot_start_says_why() -> None:
    result = await run_command("true", cwd=os.path.join("/nonexistent", "dir"))
    assert result.exit_code is None and not result.timed_out
    assert result.summary().startswith("did not start: ")
