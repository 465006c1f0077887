"""Chapter 13: every transcript on the page is what anatomy.py prints on this interpreter.

The page shows CPython 3.11 on x86-64 Linux; another version's output is compared after its own
tags are written as 3.11's (`cpython-312` as `cpython-311`, `cp312` as `cp311`), and the
manylinux tag, which follows the glibc of the machine that built the wheel, as the page's. The leak
hunt's heap growth per object is a measurement (a list's 8-byte slot plus its share of the list's
over-allocation, 8 or 9 bytes from run to run): it is checked to be a slot's worth, then written as
the page's figure.
"""
import platform
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LESSON = Path(__file__).resolve().parent.parent
SCRIPT = LESSON / "examples" / "builder" / "anatomy.py"
CHAPTER = LESSON / "src" / "ch13-extension-builder.md"
TAG = f"{sys.version_info.major}{sys.version_info.minor}"

sys.path.insert(0, str(SCRIPT.parent))
import anatomy  # noqa: E402  (needs the path above)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the page shows Linux's ELF builds")


PER_OBJECT = re.compile(r"~(\d+) bytes per object")
# A pointer: a little less while the list fills room it already had, up to double while it grows.
A_LIST_SLOT = range(6, 17)


def as_on_the_page(text: str) -> str:
    text = text.replace(f"cpython-{TAG}", "cpython-311").replace(f"cp{TAG}", "cp311")
    text = re.sub(r"manylinux_\d+_\d+", "manylinux_2_34", text)
    for measured in PER_OBJECT.findall(text):
        assert int(measured) in A_LIST_SLOT, f"~{measured} bytes per object is not a list slot's worth"
    text = PER_OBJECT.sub("~8 bytes per object", text)
    return text.replace(platform.machine(), "x86_64")


def page_blocks() -> list[str]:
    """The chapter's ```text blocks."""
    return re.findall(r"^```text\n(.*?)^```$", CHAPTER.read_text(), flags=re.M | re.S)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """anatomy.py, run as the page shows, keeping what it built: (its sections, the folder)."""
    keep = tmp_path_factory.mktemp("anatomy")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--keep", str(keep)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sections = {}
    for block in re.split(r"^(?=== )", proc.stdout, flags=re.M):
        if block.strip():
            head, _, body = block.partition("\n")
            sections[head] = body
    return sections, keep


def test_the_script_prints_every_section(run):
    sections, _ = run
    assert list(sections) == [f"== {name}:" for name in anatomy.SECTIONS]


def test_every_section_is_on_the_page_as_printed(run):
    sections, _ = run
    shown = {block.partition("\n")[0]: block.partition("\n")[2]
             for block in page_blocks() if block.startswith("== ")}
    assert sorted(shown) == sorted(sections), "every section once on the page, no other"
    for head, printed in sections.items():
        assert shown[head] == as_on_the_page(printed), head


def test_the_elf_reader_agrees_with_nm(run):
    if shutil.which("nm") is None:
        pytest.skip("no nm (binutils) on this machine")
    _, keep = run
    libraries = sorted(keep.rglob("*.so"))
    assert {p.name.split(".")[0] for p in libraries} >= {"hello", "hello_pyo3", "greetings"}
    for library in libraries:
        nm = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True,
                            text=True, check=True).stdout
        functions = sorted(line.split()[-1] for line in nm.splitlines()
                           if line.split()[-2] in ("T", "i"))
        assert anatomy.dynamic_symbols(library) == functions, library.name


def test_the_nm_command_on_the_page(run):
    if shutil.which("nm") is None:
        pytest.skip("no nm (binutils) on this machine")
    _, keep = run
    (block,) = [b for b in page_blocks() if b.startswith("$ nm ")]
    command, _, shown = block.partition("\n")
    # The page's command, for this interpreter's file name, in the folder that holds the file.
    command = command.removeprefix("$ ").replace("cpython-311", f"cpython-{TAG}")
    command = command.replace("x86_64", platform.machine())
    folder = keep / "build" / "site-packages" / "hello_pyo3"
    proc = subprocess.run(command, shell=True, cwd=folder, capture_output=True, text=True)
    assert proc.returncode == 0, f"{command}\n{proc.stderr}"
    assert as_on_the_page(proc.stdout) == shown
    assert shlex.split(command)[0] == "nm"


def test_the_elf_reader_refuses_what_is_not_elf(tmp_path):
    text = tmp_path / "notes.so"
    text.write_text("not a library\n")
    with pytest.raises(ValueError, match="not a 64-bit little-endian ELF file"):
        anatomy.dynamic_symbols(text)
