/* overflow.c: a deliberate heap buffer overflow, to catch with the tools of chapter 9.
 *
 *   python -X dev -c "import overflow; overflow.shout('abc')"   # debug hooks: fatal error at free
 *   build with -fsanitize=address, run with LD_PRELOAD=libasan  # ASan: the exact bad write
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

// ANCHOR: bug
/* shout(text) -> text upper-cased with a "!" appended (ASCII only). */
static PyObject *
shout(PyObject *module, PyObject *arg)
{
    Py_ssize_t n;
    const char *text = PyUnicode_AsUTF8AndSize(arg, &n);
    if (text == NULL) {
        return NULL;
    }
    char *out = PyMem_Malloc(n + 1);   /* BUG: room for the text and "!", none for the '\0' */
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = (text[i] >= 'a' && text[i] <= 'z') ? text[i] - 32 : text[i];
    }
    out[n] = '!';
    out[n + 1] = '\0';                 /* writes one byte past the end of the block */
    PyObject *result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}
// ANCHOR_END: bug

static PyMethodDef overflow_methods[] = {
    {"shout", shout, METH_O, "Upper-case text and append '!' (with a deliberate overflow)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef overflow_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "overflow",
    .m_size = -1,
    .m_methods = overflow_methods,
};

PyMODINIT_FUNC
PyInit_overflow(void)
{
    return PyModule_Create(&overflow_module);
}
