"""The plan's own Markdown file kept live (issue 26): done ticks exactly one box, undone
unticks it, a box ticked in an editor (saved in place or by rename) is read as done, an
edit racing a write-back loses nothing, and a broken save keeps the last good plan."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, FUTURE, Daemon, require_tool, varlink_call, wait_until

PLAN = (
    "# Rust in a month\r\n"
    "\r\n"
    "## Stage 1: Basics\r\n"
    "\r\n"
    "### Week 1\r\n"
    "- [ ] Install rustup — and read “The Book”, ch. 1\r\n"
    "- [ ] Ownership\r\n"
    "- [ ] Borrowing\r\n"
    "\r\n"
    "### Week 2\r\n"
    "- [ ] Traits\r\n"
    "- [ ] Generics\r\n"
    "- [ ] Lifetimes"  # no final line break
)


def start(home, tmp_path, text=PLAN, mode=0o640):
    plan = tmp_path / "notes" / "rust.md"
    plan.parent.mkdir()
    plan.write_bytes(text.encode())
    os.chmod(plan, mode)
    config = FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n')
    return plan, Daemon(home, config)


def diff(a: bytes, b: bytes):
    """The offsets where two byte strings of one length differ."""
    assert len(a) == len(b), (a, b)
    return [i for i in range(len(a)) if a[i] != b[i]]


def settled(plan: Path, count: int):
    """Waits until the file holds `count` ticked boxes (a change is answered before the
    files follow it); its bytes then."""
    wait_until(lambda: plan.read_bytes().count(b"- [x]") == count, timeout=5, what=f"{count} ticked boxes")
    return plan.read_bytes()


def slot_state(daemon, slot):
    return next(s for s in daemon.ctl_json("agenda", "--all") if s["id"] == slot)["state"]


def test_done_ticks_one_byte_and_undone_and_undo_give_the_file_back(home, tmp_path):
    plan, daemon = start(home, tmp_path)
    original = plan.read_bytes()
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        ticked = settled(plan, 1)
        offsets = diff(original, ticked)
        assert len(offsets) == 1 and ticked[offsets[0]:offsets[0] + 1] == b"x"
        # The box of the task in w01d1, the first of week 1, with its CRLF and Unicode kept.
        assert ticked.split(b"\r\n")[5] == "- [x] Install rustup — and read “The Book”, ch. 1".encode()
        assert os.stat(plan).st_mode & 0o777 == 0o640
        assert daemon.ctl("undone", "w01d1").returncode == 0
        assert settled(plan, 0) == original
        assert daemon.ctl("done", "w01d2").returncode == 0
        settled(plan, 1)
        assert daemon.ctl("undo").returncode == 0
        assert settled(plan, 0) == original
        # Nothing was read back as a change of the user's: done, undone, done, undo.
        assert slot_state(daemon, "w01d1") == "scheduled" and slot_state(daemon, "w01d2") == "scheduled"
    finally:
        daemon.stop()


def test_a_box_ticked_in_an_editor_is_done_saved_in_place_or_by_rename(home, tmp_path):
    plan, daemon = start(home, tmp_path)
    try:
        # In place, as nano does.
        plan.write_bytes(plan.read_bytes().replace(b"- [ ] Ownership", b"- [x] Ownership"))
        wait_until(lambda: slot_state(daemon, "w01d2") == "done", timeout=5, what="w01d2 done after the editor's tick")
        # By a new file renamed over the old one, as vim and VS Code do.
        new = plan.with_name(".rust.md.swp")
        new.write_bytes(plan.read_bytes().replace(b"- [ ] Traits", b"- [X] Traits").replace(b"- [x] Ownership", b"- [ ] Ownership"))
        os.rename(new, plan)
        wait_until(lambda: slot_state(daemon, "w02d1") == "done" and slot_state(daemon, "w01d2") == "scheduled",
                   timeout=5, what="w02d1 done and w01d2 undone after the rename")
        # The watch survived the rename: another save in place is read too.
        plan.write_bytes(plan.read_bytes().replace(b"- [ ] Borrowing", b"- [x] Borrowing"))
        wait_until(lambda: slot_state(daemon, "w01d3") == "done", timeout=5, what="w01d3 done after a second save")
        # A wording edit keeps the task (and its done slot), and the agenda shows the new words.
        plan.write_bytes(plan.read_bytes().replace(b"Borrowing", b"Borrowing and slices"))
        wait_until(lambda: next(s for s in daemon.ctl_json("agenda", "--all") if s["id"] == "w01d3")["task"]["title"]
                   == "Borrowing and slices", timeout=5, what="the new wording")
        assert slot_state(daemon, "w01d3") == "done"
    finally:
        daemon.stop()
    log = daemon.process.stderr.read()
    assert "done w01d2 from plan-file" in log and "reopen w01d2 from plan-file" in log


def test_a_box_pgtrack_ticked_unticked_in_an_editor_is_undone(home, tmp_path):
    """The common way round: `pgtrackctl done` ticks the box, the user unticks it in the
    editor (both saves), and ticks it there again."""
    plan, daemon = start(home, tmp_path)
    try:
        for slot, task in (("w01d2", b"Ownership"), ("w02d1", b"Traits")):
            assert daemon.ctl("done", slot).returncode == 0
        text = settled(plan, 2)
        plan.write_bytes(text.replace(b"- [x] " + b"Ownership", b"- [ ] Ownership"))
        wait_until(lambda: slot_state(daemon, "w01d2") == "scheduled", timeout=5, what="w01d2 undone by the editor's untick")
        new = plan.with_name(".rust.md.swp")
        new.write_bytes(plan.read_bytes().replace(b"- [x] Traits", b"- [ ] Traits").replace(b"- [ ] Ownership", b"- [x] Ownership"))
        os.rename(new, plan)
        wait_until(lambda: slot_state(daemon, "w02d1") == "scheduled" and slot_state(daemon, "w01d2") == "done",
                   timeout=5, what="w02d1 undone and w01d2 done again after the rename")
        assert daemon.ctl_json("status")["done"] == 1
    finally:
        daemon.stop()


def test_a_link_replaced_by_the_editors_file_is_followed(home, tmp_path):
    """plan.file is a link into a dotfiles folder; done ticks the target and keeps the link.
    An editor that saves by rename over the link leaves a file of its own there: its
    ticks are read, and pgtrack's ticks go into it."""
    real = tmp_path / "dotfiles" / "rust.md"
    real.parent.mkdir()
    real.write_bytes(PLAN.encode())
    link = tmp_path / "notes" / "rust.md"
    link.parent.mkdir()
    os.symlink(real, link)
    daemon = Daemon(home, FUTURE.replace("[plan]\n", f'[plan]\nfile = "{link}"\n'))
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        settled(real, 1)
        assert link.is_symlink()
        # The target renamed aside for a moment (Emacs' backup by rename), then written anew:
        # the link dangles between the two, and the watch must stay on the target's folder.
        os.rename(real, real.with_name("rust.md~"))
        real.write_bytes(real.with_name("rust.md~").read_bytes().replace(b"- [ ] Generics", b"- [x] Generics"))
        wait_until(lambda: slot_state(daemon, "w02d2") == "done", timeout=5, what="the tick in the target written anew")
        real.write_bytes(real.read_bytes().replace(b"- [x] Generics", b"- [ ] Generics"))
        wait_until(lambda: slot_state(daemon, "w02d2") == "scheduled", timeout=5, what="a later save in place of the target")
        swap = link.with_name(".rust.md.swp")
        swap.write_bytes(link.read_bytes().replace(b"- [ ] Ownership", b"- [x] Ownership"))
        os.rename(swap, link)
        wait_until(lambda: slot_state(daemon, "w01d2") == "done", timeout=5, what="the tick in the file that replaced the link")
        link.write_bytes(link.read_bytes().replace(b"- [ ] Borrowing", b"- [x] Borrowing"))
        wait_until(lambda: slot_state(daemon, "w01d3") == "done", timeout=5, what="a later save in place")
        assert daemon.ctl("done", "w02d1").returncode == 0
        assert b"- [x] Traits" in settled(link, 4) and b"- [x] Traits" not in real.read_bytes()
    finally:
        daemon.stop()


def test_an_edit_racing_a_write_back_loses_nothing(home, tmp_path):
    plan, daemon = start(home, tmp_path)
    try:
        ticked = 0
        for i in range(20):
            # The user saves an edit pgtrack has not read yet, and at once marks a slot
            # done or undone: the tick goes into the file as it is now, the edit stays.
            with open(plan, "ab") as f:
                f.write(f"\r\nnote {i}".encode())
            slot = ["w01d1", "w01d2", "w01d3"][i % 3]
            verb = "done" if slot_state(daemon, slot) != "done" else "undone"
            assert daemon.ctl(verb, slot).returncode == 0
            ticked += 1 if verb == "done" else -1
            text = settled(plan, ticked)
            assert all(f"note {j}".encode() in text for j in range(i + 1)), (i, text)
        states = {s: slot_state(daemon, s) for s in ["w01d1", "w01d2", "w01d3"]}
        for slot, line in (("w01d1", 5), ("w01d2", 6), ("w01d3", 7)):
            box = text.split(b"\r\n")[line][:5]
            assert box == (b"- [x]" if states[slot] == "done" else b"- [ ]"), (slot, box, states)
    finally:
        daemon.stop()
    # No edit of the user's was read as a tick: every change came from the control socket.
    assert "from plan-file" not in daemon.process.stderr.read()


def test_a_broken_save_keeps_the_last_good_plan_and_a_new_task_reflows(home, tmp_path):
    plan, daemon = start(home, tmp_path)
    try:
        good = plan.read_bytes()
        plan.write_bytes(good.replace(b"### Week 2", b"### Week 7"))
        time.sleep(1)
        assert daemon.ctl_json("status")["total"] == 6
        # Done is recorded; a file that does not parse cannot be ticked: it waits.
        assert daemon.ctl("done", "w01d1").returncode == 0
        time.sleep(0.5)
        assert plan.read_bytes() == good.replace(b"### Week 2", b"### Week 7")
        # Mended, with a task added: the plan re-flows, and the waiting tick lands.
        plan.write_bytes(good + b"\r\n- [ ] Macros")
        wait_until(lambda: daemon.ctl_json("status")["total"] == 7, timeout=5, what="the added task")
        assert slot_state(daemon, "w01d1") == "done"
        assert settled(plan, 1).split(b"\r\n")[5].startswith(b"- [x] Install rustup")
    finally:
        daemon.stop()
    log = daemon.process.stderr.read()
    assert "plan file no longer parses, keeping the last good plan" in log and "expected '### Week 2'" in log


def test_a_done_follows_its_task_when_one_is_added_above_it(home, tmp_path):
    """The ledger names a task by its position; a task added above a done one in the
    editor must not take its done, nor leave it counted twice (its box and its slot)."""
    plan, daemon = start(home, tmp_path)
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        edited = settled(plan, 1).replace(b"### Week 1\r\n", b"### Week 1\r\n- [ ] Set up an editor\r\n")
        plan.write_bytes(edited)
        wait_until(lambda: daemon.ctl_json("status")["total"] == 7, timeout=5, what="the added task")

        def check(daemon):
            first = daemon.ctl_json("agenda", "--week", "1")[:2]
            assert (first[0]["state"], first[0]["task"]["title"]) == ("done", "Install rustup — and read “The Book”, ch. 1"), first
            assert first[1]["task"]["title"] == "Set up an editor" and first[1]["state"] == "scheduled", first
            status = daemon.ctl_json("status")
            assert (status["done"], status["total"]) == (1, 7), status
            assert plan.read_bytes() == edited, "nothing was ticked or unticked for the edit"
        check(daemon)
        assert daemon.stop() == 0
        daemon = Daemon(home, FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n'))
        check(daemon)
        # Undone, the box of the task at its new line is unticked.
        assert daemon.ctl("undone", "w01d1").returncode == 0
        assert settled(plan, 0) == edited.replace(b"- [x] Install", b"- [ ] Install")
    finally:
        daemon.stop()


def test_a_done_stays_with_its_task_through_a_wording_edit_and_edits_while_stopped(home, tmp_path):
    """Reworded, a done task keeps its done, even when another week has its old text; a
    task added above it while pgtrackd was stopped does not take it either."""
    text = "# P\n\n### Week 1\n- [ ] Read ch. 1\n- [ ] Exercises\n\n### Week 2\n- [ ] Read ch. 2\n- [ ] Exercises\n"
    plan, daemon = start(home, tmp_path, text)
    config = FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n')

    def check(daemon, what):
        status = daemon.ctl_json("status")
        assert (status["done"], status["total"]) == (1, 4 + what.count("added")), (what, status)
        slots = {s["id"]: s for s in daemon.ctl_json("agenda", "--all")}
        assert slots["w01d2"]["state"] == "done" and slots["w01d2"]["task"]["title"].startswith("Exercises for ch. 1"), what
        assert any(s["task"] and s["task"]["title"] == "Exercises" and s["task"]["id"].startswith("2.") and s["state"] == "scheduled"
                   for s in slots.values()), (what, "week 2's Exercises is still to do")
    try:
        assert daemon.ctl("done", "w01d2").returncode == 0
        plan.write_bytes(settled(plan, 1).replace(b"- [x] Exercises", b"- [x] Exercises for ch. 1"))
        wait_until(lambda: "Exercises for ch. 1" in daemon.ctl_json("agenda", "--week", "1")[1]["task"]["title"], timeout=5, what="the new wording")
        check(daemon, "reworded")
        assert daemon.stop() == 0
        plan.write_bytes(plan.read_bytes().replace(b"### Week 1\n", b"### Week 1\n- [ ] Install rustup\n"))
        daemon = Daemon(home, config)
        check(daemon, "added while stopped")
        assert daemon.ctl("undone", "w01d2").returncode == 0
        assert daemon.ctl_json("status")["done"] == 0
        assert b"- [ ] Exercises for ch. 1" in settled(plan, 0)
    finally:
        daemon.stop()


def test_a_tick_and_an_untick_saved_with_an_added_task_are_done_and_undone(home, tmp_path):
    """One save that unticks a done box (or ticks one) and adds a task: the re-flow must
    not swallow the box. The untick is undone, the tick a done of the slot, with origin
    plan-file, as in a save that only changes boxes."""
    import sqlite3
    plan, daemon = start(home, tmp_path)
    try:
        assert daemon.ctl("done", "w01d2").returncode == 0
        text = settled(plan, 1)
        plan.write_bytes(text.replace(b"- [x] Ownership", b"- [ ] Ownership").replace(b"- [ ] Traits\r\n", b"- [ ] Traits\r\n- [ ] Macros\r\n"))
        wait_until(lambda: daemon.ctl_json("status")["total"] == 7, timeout=5, what="the added task")
        wait_until(lambda: daemon.ctl_json("status")["done"] == 0, timeout=5, what="the untick read as undone")
        assert slot_state(daemon, "w01d2") == "scheduled"
        plan.write_bytes(plan.read_bytes().replace(b"- [ ] Install rustup", b"- [x] Install rustup").replace(b"- [ ] Generics", b"- [ ] Closures\r\n- [ ] Generics"))
        wait_until(lambda: daemon.ctl_json("status")["total"] == 8, timeout=5, what="the second added task")
        wait_until(lambda: slot_state(daemon, "w01d1") == "done", timeout=5, what="the tick read as done of its slot")
        assert daemon.ctl_json("status")["done"] == 1
    finally:
        daemon.stop()
    kinds = sqlite3.connect(home.state_db).execute("SELECT kind, slot, origin FROM event WHERE origin = 'plan-file'").fetchall()
    assert kinds == [("reopen", "w01d2", "plan-file"), ("done", "w01d1", "plan-file")], kinds


def test_an_untick_that_waited_for_a_broken_file_is_not_read_back_as_done(home, tmp_path):
    plan, daemon = start(home, tmp_path)
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        good = settled(plan, 1)
        plan.write_bytes(good.replace(b"### Week 2", b"### Week 7"))
        time.sleep(0.5)
        # Undone while the file does not parse: the untick waits.
        assert daemon.ctl("undone", "w01d1").returncode == 0
        time.sleep(0.5)
        assert plan.read_bytes().count(b"- [x]") == 1
        # Mended, the old box still ticked: the waiting untick lands, and the box that
        # still said done in the saved file is not taken for a done.
        plan.write_bytes(good)
        assert settled(plan, 0) == good.replace(b"- [x]", b"- [ ]")
        time.sleep(0.5)
        assert slot_state(daemon, "w01d1") != "done"
        assert daemon.ctl_json("status")["done"] == 0
    finally:
        daemon.stop()


def test_off_without_sync_checkboxes(home, tmp_path):
    plan = tmp_path / "rust.md"
    plan.write_bytes(PLAN.encode())
    config = FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\nsync_checkboxes = false\n')
    daemon = Daemon(home, config)
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        assert plan.read_bytes() == PLAN.encode()
        plan.write_bytes(PLAN.replace("- [ ] Ownership", "- [x] Ownership").encode())
        time.sleep(1)
        assert slot_state(daemon, "w01d2") == "scheduled"
    finally:
        daemon.stop()


def test_an_acknowledged_done_and_undone_are_in_the_file_at_kill_9(home, tmp_path):
    """The box is part of the change: written before the reply. An undone whose untick was
    lost would be read back, after a restart, as a task done before pgtrack."""
    import signal
    plan, daemon = start(home, tmp_path)
    config = FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n')
    try:
        for method, box, done in (("Complete", b"- [x] Ownership", 1), ("Reopen", b"- [ ] Ownership", 0)):
            reply = varlink_call(daemon.socket, method, slot="w01d2")
            os.kill(daemon.process.pid, signal.SIGKILL)  # at once: the reply was the last word
            daemon.process.wait()
            assert "error" not in reply, reply
            assert box in plan.read_bytes(), (method, plan.read_bytes())
            daemon = Daemon(home, config)
            assert daemon.ctl_json("status")["done"] == done, method
            assert slot_state(daemon, "w01d2") == ("done" if done else "scheduled"), method
    finally:
        daemon.stop()


def test_print_schedule_and_a_second_daemon_write_nothing(home, tmp_path):
    """Previewing another plan with --print-schedule, or a second pgtrackd that finds one
    running, must not record follows against the ledger: the done stays where it is."""
    import sqlite3
    plan, daemon = start(home, tmp_path)
    config = FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n')
    other = tmp_path / "other.md"
    other.write_text("# Other\n### Week 1\n- [ ] Something else\n")
    other_config = tmp_path / "other.toml"
    other_config.write_text(FUTURE.replace("[plan]\n", f'[plan]\nfile = "{other}"\n'))
    try:
        assert daemon.ctl("done", "w01d1").returncode == 0
        count = sqlite3.connect(home.state_db).execute("SELECT count(*) FROM event").fetchone()[0]
        second = home.run("pgtrackd", "--config", str(other_config))
        assert second.returncode == 1 and "already running" in second.stderr, second.stderr
        assert daemon.stop() == 0
        preview = home.run("pgtrackd", "--config", str(other_config), "--print-schedule")
        assert preview.returncode == 0 and "Something else" in preview.stdout, preview.stderr
        assert sqlite3.connect(home.state_db).execute("SELECT count(*) FROM event").fetchone()[0] == count
        daemon = Daemon(home, config)
        assert daemon.ctl_json("status")["done"] == 1 and slot_state(daemon, "w01d1") == "done"
    finally:
        daemon.stop()


def test_a_read_only_folder_is_said_at_start(home, tmp_path):
    """Under the shipped unit (ProtectHome=read-only) a plan file in ~/notes cannot be
    ticked: pgtrackd says so when it starts, with the drop-in that fixes it, and done still
    works. A private mount namespace makes the folder read-only as the unit would."""
    unshare = require_tool("unshare")
    if os.geteuid() != 0:
        pytest.skip("a private mount namespace needs root")
    plan = tmp_path / "notes" / "rust.md"
    plan.parent.mkdir()
    plan.write_bytes(PLAN.encode())
    home.write_config(FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n'))
    folder = plan.parent
    script = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && exec {BIN / 'pgtrackd'}"
    p = subprocess.Popen([unshare, "-m", "--propagation", "private", "sh", "-c", script], env=home.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: (Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock").exists(), what="the control socket")
        r = subprocess.run([str(BIN / "pgtrackctl"), "done", "w01d1"], env=home.env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)
        assert plan.read_bytes() == PLAN.encode()
    finally:
        p.terminate()
        err = p.communicate(timeout=15)[1]
    said = f"plan file: boxes in {plan} will not be ticked: its folder {folder} is read-only to pgtrackd"
    assert said in err and f"ReadWritePaths={folder}" in err, err
    assert err.index(said) < err.index("ready:"), "said at start, before the first done"
