"""Chapter 13: an extension builder taken apart, one step at a time, on real builds.

    python lesson/examples/builder/anatomy.py

builds the lesson's PyO3 crate (lesson/examples/hello-pyo3) into a wheel with maturin and the C
`hello` module with the system compiler, then prints what each step made: the file name's platform
tag, the wheel's members, the `PyInit_<name>` symbol the interpreter looks for, how the import
machinery finds and loads the file, and what the course's differential tests and leak hunt report.
lesson/tests/test_builder.py runs every section and checks the chapter's transcript against it.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import shutil
import struct
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent
REPO_ROOT = EXAMPLES.parent.parent
sys.path.insert(0, str(EXAMPLES))  # lessonbuild
sys.path.insert(0, str(REPO_ROOT / "grader" / "python"))  # lessongrader

import lessonbuild  # noqa: E402  (needs the path above)

SECTIONS = ["suffixes", "wheel", "symbols", "finder", "by hand", "wrong name", "differential",
            "leak hunt"]


# ANCHOR: suffixes
def suffixes() -> list[str]:
    """The file names this interpreter accepts for an extension module, most specific first."""
    return [
        f"EXT_SUFFIX          {sysconfig.get_config_var('EXT_SUFFIX')}",
        f"EXTENSION_SUFFIXES  {importlib.machinery.EXTENSION_SUFFIXES}",
    ]
# ANCHOR_END: suffixes


# ANCHOR: wheel
def wheel_layout(wheel: Path) -> list[str]:
    """A wheel is a zip file: its name carries the tags, its members the package and metadata."""
    lines = [wheel.name]
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            lines.append(f"  {name}")
        (tags,) = [n for n in archive.namelist() if n.endswith(".dist-info/WHEEL")]
        lines += [f"  | {line}" for line in archive.read(tags).decode().splitlines()
                  if line.startswith(("Root-Is-Purelib", "Tag"))]
    return lines


def unpack(wheel: Path, site: Path) -> None:
    """What `pip install` does with a wheel, minus the bookkeeping: unzip it into site-packages."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
# ANCHOR_END: wheel


# ANCHOR: symbols
def dynamic_symbols(library: Path) -> list[str]:
    """The defined function names in an ELF shared library's dynamic symbol table (`nm -D`)."""
    data = library.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{library.name}: not a 64-bit little-endian ELF file")
    section_offset, = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size)
                for i in range(count)]
    symbols = []
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strings = sections[link][4]  # offset of the string table the symbols' names are in
        for at in range(offset, offset + size, entsize):
            name, info, _other, shndx = struct.unpack_from("<IBBH", data, at)
            if info & 0xF == 2 and shndx != 0:  # STT_FUNC, defined here (not imported)
                end = data.index(b"\0", strings + name)
                symbols.append(data[strings + name:end].decode())
    return sorted(symbols)


def init_functions(library: Path) -> list[str]:
    return [name for name in dynamic_symbols(library) if name.startswith("PyInit_")]
# ANCHOR_END: symbols


# ANCHOR: finder
def find(module: str, folder: Path) -> list[str]:
    """Ask the path-based finder, as `import` does for each entry of sys.path."""
    spec = importlib.machinery.PathFinder.find_spec(module, [str(folder)])
    return [f"loader  {type(spec.loader).__name__}", f"origin  {Path(spec.origin).name}"]
# ANCHOR_END: finder


def twins(folder: Path) -> list[str]:
    return [f"{folder.name}/  {'  '.join(sorted(p.name for p in folder.glob('hello.*')))}"]


# ANCHOR: by_hand
def load_by_hand(module: str, path: Path):
    """Import the file at `path` as `module`, without sys.path: the steps `import` takes."""
    loader = importlib.machinery.ExtensionFileLoader(module, str(path))
    spec = importlib.util.spec_from_file_location(module, path, loader=loader)
    extension = importlib.util.module_from_spec(spec)  # dlopen(), then PyInit_<module>()
    loader.exec_module(extension)  # multi-phase init: runs the module's exec slots
    return extension
# ANCHOR_END: by_hand


# ANCHOR: wrong_name
def load_under_another_name(library: Path, module: str, folder: Path) -> str:
    """Copy the library to `<module><EXT_SUFFIX>` and import it: the name must match PyInit_."""
    renamed = folder / f"{module}{sysconfig.get_config_var('EXT_SUFFIX')}"
    shutil.copy(library, renamed)
    try:
        load_by_hand(module, renamed)
    except ImportError as error:
        return f"ImportError: {error}"
    return "imported"
# ANCHOR_END: wrong_name


# ANCHOR: differential
def differential() -> list[str]:
    """The generated tests' check, on an implementation of exercise 7's `word_counts` that splits
    on " " only, against the original (lesson/examples/builder/textstats.py)."""
    import textstats
    from hypothesis import strategies as st
    from lessongrader.differential import check_function

    def word_counts_on_spaces(text, min_length=1):
        if min_length < 1:
            raise ValueError(f"min_length must be at least 1, got {min_length}")
        counts = {}
        for word in text.split(" "):
            if word and len(word) >= min_length:
                counts[word] = counts.get(word, 0) + 1
        return counts

    outcomes = []
    # Text from the type hint (any str), then text narrowed to letters and whitespace (and
    # min_length to the small values where words count).
    for strategies in ({}, {"text": st.text(alphabet="ab \t\n\u3000", max_size=30), "min_length": st.integers(1, 3)}):
        try:
            check_function(textstats.word_counts, word_counts_on_spaces, **strategies)
            outcomes.append("no difference found")
        except AssertionError as failure:
            outcomes.append(str(failure))
    return outcomes
# ANCHOR_END: differential


# ANCHOR: leak_hunt
def leak_hunt() -> str:
    """assert_no_leaks on a function that keeps a reference to its argument on every call."""
    from lessongrader.leaks import LeakError, assert_no_leaks

    kept = []

    def remember(value):
        kept.append(value)
        return len(value)

    try:
        assert_no_leaks(remember, "an argument")
    except LeakError as error:
        return str(error)
    return "no leak found"
# ANCHOR_END: leak_hunt


def run_all(build_dir: Path, wheel_dir: Path) -> dict[str, list[str]]:
    """Build, then run every section; {section: its output lines}."""
    sys.path.insert(0, str(HERE))  # textstats, the oracle of the differential section
    wheel = lessonbuild.build_pyo3_wheel(EXAMPLES / "hello-pyo3", wheel_dir)
    site = build_dir / "site-packages"
    unpack(wheel, site)
    (library,) = (site / "hello_pyo3").glob("hello_pyo3.*")
    hello_c = lessonbuild.compile_c_extension(EXAMPLES / "hello-c" / "hello.c", "hello", build_dir)
    # A pure-Python module of the same name, next to the C one: which does import take?
    (build_dir / "hello.py").write_text("raise ImportError('the .py file was imported')\n")
    module = load_by_hand("hello_pyo3", library)
    c_module = load_by_hand("hello", hello_c)
    return {
        "suffixes": suffixes(),
        "wheel": wheel_layout(wheel),
        "symbols": [f"{path.name}: {', '.join(init_functions(path))}"
                    for path in (library, hello_c)],
        "finder": [*find("hello_pyo3", site / "hello_pyo3"), *twins(build_dir),
                   *find("hello", build_dir)],
        "by hand": [f"{module.__name__}.hello_world() -> {module.hello_world()!r}",
                    f"{c_module.__name__}.hello_world() -> {c_module.hello_world()!r}"],
        "wrong name": [load_under_another_name(library, "greetings", build_dir)],
        "differential": differential(),
        "leak hunt": leak_hunt().splitlines(),
    }


def main() -> None:
    """Print every section; `--keep DIR` builds into DIR and leaves what was built there."""
    keep = sys.argv[2] if len(sys.argv) == 3 and sys.argv[1] == "--keep" else None
    if len(sys.argv) > 1 and keep is None:
        sys.exit(f"usage: {sys.argv[0]} [--keep DIR]")
    with tempfile.TemporaryDirectory(prefix="anatomy-") as temp:
        root = Path(keep or temp).resolve()
        for name, lines in run_all(root / "build", root / "wheels").items():
            print(f"== {name}:")
            for line in lines:
                print(line)


if __name__ == "__main__":
    main()
