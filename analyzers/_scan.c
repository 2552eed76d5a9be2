/*
 * analyzers._scan: the compiled twin of the term-only path of analyzers.tokenizer._scan (what indexing
 * reads: PersianTokenizer.terms_and_lead). The Python function is the reference; this one runs the same
 * steps in the same order and calls the same Python helpers for everything but the common case, a plain
 * word found in the word cache that joins no neighbour. Indexing spends most of its analysis time in that
 * loop, and in C it no longer pays the interpreter for every word (bench/index_speed.py).
 *
 * Kept equal to the reference by tests/test_native_scan.py. A change to _scan's loop must be made here
 * too; the helpers it calls (_remember, _persian_terms, _non_persian, _stands_alone) stay in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* What configure() is given once by analyzers.tokenizer: its pattern's finditer, its caches (the same
 * dict objects for the life of the process: the tokenizer empties them, never replaces them) and helpers. */
static PyObject *finditer;      /* _PATTERN.finditer */
static PyObject *word_cache;    /* _WORD_CACHE: raw word -> Entry tuple */
static PyObject *joiners_after; /* _JOINERS_AFTER: window -> frozenset of keys */
static PyObject *remember;      /* _remember(raw) -> Entry */
static PyObject *persian_terms; /* _persian_terms(text, start, end, kind, entry) -> (found, end) */
static PyObject *non_persian;   /* _non_persian(match) -> found */
static PyObject *stands_alone;  /* _stands_alone(text, end, entry, alone) -> bool */
static PyObject *kind_fa;       /* the group names handed to _persian_terms */
static PyObject *kind_affix;
static Py_ssize_t fa_group, affix_group, window_len;

/* Interned names and the constant 1, made at import. */
static PyObject *str_lastindex, *str_span, *str_start, *one;

/* An Entry's fields (see analyzers.tokenizer.Entry). */
enum { E_TERM = 0, E_AHEAD = 1, E_KEY = 4, E_BEFORE = 7, E_SIZE = 8 };

static int
read_span(PyObject *span, Py_ssize_t *start, Py_ssize_t *end)
{
    if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) != 2) {
        PyErr_SetString(PyExc_TypeError, "a match's span is not a pair");
        return -1;
    }
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
    if (*start == -1 && PyErr_Occurred())
        return -1;
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
    if (*end == -1 && PyErr_Occurred())
        return -1;
    return 0;
}

/* match.span(group) as two numbers. */
static int
group_span(PyObject *match, PyObject *group, Py_ssize_t *start, Py_ssize_t *end)
{
    PyObject *args[2] = {match, group};
    PyObject *span = PyObject_VectorcallMethod(str_span, args, 2, NULL);
    if (span == NULL)
        return -1;
    int r = read_span(span, start, end);
    Py_DECREF(span);
    return r;
}

/* text[start:stop] as Python slices it (empty when stop is before start). */
static PyObject *
slice(PyObject *text, Py_ssize_t start, Py_ssize_t stop)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (stop > length)
        stop = length;
    if (start > length)
        start = length;
    if (stop < start)
        stop = start;
    return PyUnicode_Substring(text, start, stop);
}

/*
 * Whether a plain word (entry) that ends at `end` is taken as its own term right away: the reference's
 * condition in _scan, step by step. 1 yes, 0 no (the caller goes the long way), -1 error.
 */
static int
stands_alone_here(PyObject *text, Py_ssize_t end, PyObject *entry)
{
    PyObject *ahead = PyTuple_GET_ITEM(entry, E_AHEAD);
    if (ahead == Py_None)
        return 1; /* the word never joins the next one */
    PyObject *window = slice(text, end, end + window_len);
    if (window == NULL)
        return -1;
    int result = -1;
    PyObject *maybe = PyDict_GetItemWithError(joiners_after, window); /* borrowed */
    if (maybe == NULL && PyErr_Occurred())
        goto done;
    if (maybe != NULL && maybe != Py_None) {
        int joins = PySequence_Contains(maybe, PyTuple_GET_ITEM(entry, E_KEY));
        if (joins < 0)
            goto done;
        if (!joins) {
            result = 1; /* no compound of the word goes on with these two letters */
            goto done;
        }
        PyObject *before = PyTuple_GET_ITEM(entry, E_BEFORE);
        if (before != Py_None) {
            /* text[end : text.find(" ", end + 1) + 1]: the next word, seen alone after it before */
            Py_ssize_t length = PyUnicode_GET_LENGTH(text);
            Py_ssize_t space = end + 1 < length ? PyUnicode_FindChar(text, ' ', end + 1, length, 1) : -1;
            if (space == -2)
                goto done;
            PyObject *next = slice(text, end, space + 1);
            if (next == NULL)
                goto done;
            int seen = PySequence_Contains(before, next);
            Py_DECREF(next);
            if (seen < 0)
                goto done;
            if (seen) {
                result = 1;
                goto done;
            }
        }
    }
    if (!PyDict_Check(ahead)) {
        PyErr_SetString(PyExc_TypeError, "a word cache entry's windows are not a dict");
        goto done;
    }
    PyObject *alone = PyDict_GetItemWithError(ahead, window); /* borrowed */
    if (alone == NULL && PyErr_Occurred())
        goto done;
    if (alone == NULL)
        alone = Py_None;
    int truth = PyObject_IsTrue(alone);
    if (truth != 0) {
        result = truth; /* 1, or -1 on error */
        goto done;
    }
    PyObject *end_obj = PyLong_FromSsize_t(end);
    if (end_obj == NULL)
        goto done;
    PyObject *args[4] = {text, end_obj, entry, alone};
    PyObject *verdict = PyObject_Vectorcall(stands_alone, args, 4, NULL);
    Py_DECREF(end_obj);
    if (verdict == NULL)
        goto done;
    result = PyObject_IsTrue(verdict);
    Py_DECREF(verdict);
done:
    Py_DECREF(window);
    return result;
}

/* The lead's count once a term ending after it is added (the reference's _lead_count): -1 for None. */
static inline Py_ssize_t
lead_count(Py_ssize_t count, Py_ssize_t start, Py_ssize_t lead_end)
{
    return start >= lead_end ? count - 1 : -1;
}

/* Add the terms of `found` (a list of (term, start, end, stopped)); the lead as in the reference. */
static int
add_found(PyObject *terms, PyObject *found, Py_ssize_t *lead, Py_ssize_t *lead_end)
{
    if (!PyList_Check(found)) {
        PyErr_SetString(PyExc_TypeError, "a word's terms are not a list");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(found); i++) {
        PyObject *item = PyList_GET_ITEM(found, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) {
            PyErr_SetString(PyExc_TypeError, "a found term is not (term, start, end, stopped)");
            return -1;
        }
        if (PyList_Append(terms, PyTuple_GET_ITEM(item, 0)) < 0)
            return -1;
        Py_ssize_t e = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 2));
        if (e == -1 && PyErr_Occurred())
            return -1;
        if (e > *lead_end) {
            Py_ssize_t s = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
            if (s == -1 && PyErr_Occurred())
                return -1;
            *lead = lead_count(PyList_GET_SIZE(terms), s, *lead_end);
            *lead_end = PY_SSIZE_T_MAX;
        }
    }
    return 0;
}

/*
 * One match of the pattern: its terms added to `terms`, `at` and the lead moved on. 0, or -1 on error.
 */
static int
take_match(PyObject *text, PyObject *match, PyObject *terms, Py_ssize_t *at, Py_ssize_t *lead,
           Py_ssize_t *lead_end)
{
    PyObject *index = PyObject_GetAttr(match, str_lastindex);
    if (index == NULL)
        return -1;
    Py_ssize_t kind = index == Py_None ? 0 : PyLong_AsSsize_t(index);
    Py_DECREF(index);
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (kind <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "a match of the tokenizer's pattern without a group");
        return -1;
    }
    PyObject *found;
    if (kind == fa_group || kind == affix_group) {
        Py_ssize_t start, end;
        if (group_span(match, one, &start, &end) < 0)
            return -1;
        if (start < *at)
            return 0; /* inside what a joined word took */
        *at = end;
        PyObject *raw = PyUnicode_Substring(text, start, end);
        if (raw == NULL)
            return -1;
        PyObject *entry = PyDict_GetItemWithError(word_cache, raw);
        if (entry != NULL)
            Py_INCREF(entry);
        else if (!PyErr_Occurred())
            entry = PyObject_CallOneArg(remember, raw);
        Py_DECREF(raw);
        if (entry == NULL)
            return -1;
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) < E_SIZE) {
            PyErr_SetString(PyExc_TypeError, "a word cache entry is not an Entry tuple");
            Py_DECREF(entry);
            return -1;
        }
        PyObject *term = PyTuple_GET_ITEM(entry, E_TERM);
        if (term != Py_None && kind == fa_group) {
            int alone = stands_alone_here(text, end, entry);
            if (alone < 0) {
                Py_DECREF(entry);
                return -1;
            }
            if (alone) {
                int r = PyList_Append(terms, term);
                Py_DECREF(entry);
                if (r < 0)
                    return -1;
                if (end > *lead_end) {
                    *lead = lead_count(PyList_GET_SIZE(terms), start, *lead_end);
                    *lead_end = PY_SSIZE_T_MAX;
                }
                return 0;
            }
        }
        PyObject *result = PyObject_CallFunction(persian_terms, "OnnOO", text, start, *at,
                                                 kind == fa_group ? kind_fa : kind_affix, entry);
        Py_DECREF(entry);
        if (result == NULL)
            return -1;
        if (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 2) {
            PyErr_SetString(PyExc_TypeError, "_persian_terms did not give (found, end)");
            Py_DECREF(result);
            return -1;
        }
        Py_ssize_t resume = PyLong_AsSsize_t(PyTuple_GET_ITEM(result, 1));
        if (resume == -1 && PyErr_Occurred()) {
            Py_DECREF(result);
            return -1;
        }
        *at = resume;
        found = PyTuple_GET_ITEM(result, 0);
        Py_INCREF(found);
        Py_DECREF(result);
    } else {
        PyObject *group = PyLong_FromSsize_t(kind);
        if (group == NULL)
            return -1;
        PyObject *args[2] = {match, group};
        PyObject *start_obj = PyObject_VectorcallMethod(str_start, args, 2, NULL);
        Py_DECREF(group);
        if (start_obj == NULL)
            return -1;
        Py_ssize_t start = PyLong_AsSsize_t(start_obj);
        Py_DECREF(start_obj);
        if (start == -1 && PyErr_Occurred())
            return -1;
        if (start < *at)
            return 0;
        found = PyObject_CallOneArg(non_persian, match);
        if (found == NULL)
            return -1;
    }
    int r = add_found(terms, found, lead, lead_end);
    Py_DECREF(found);
    return r;
}

PyDoc_STRVAR(terms_and_lead_doc,
             "terms_and_lead(text, lead_end) -> (terms, lead)\n\n"
             "What analyzers.tokenizer._scan(text, spans=False, lead_end=lead_end) gives: every term of\n"
             "the text in order, and the count of those of text[:lead_end] (None when it must be\n"
             "analyzed alone); ([], 0) for a text without terms.");

static PyObject *
terms_and_lead(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "terms_and_lead(text, lead_end) takes two arguments");
        return NULL;
    }
    if (finditer == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "analyzers._scan is not configured (analyzers.tokenizer does it)");
        return NULL;
    }
    PyObject *text = args[0];
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "terms_and_lead needs a str");
        return NULL;
    }
    Py_ssize_t lead_end = PyLong_AsSsize_t(args[1]);
    if (lead_end == -1 && PyErr_Occurred())
        return NULL;
    PyObject *terms = PyList_New(0);
    if (terms == NULL)
        return NULL;
    PyObject *matches = PyObject_CallOneArg(finditer, text);
    if (matches == NULL)
        goto fail;
    Py_ssize_t at = 0, lead = -1;
    PyObject *match;
    while ((match = PyIter_Next(matches)) != NULL) {
        int r = take_match(text, match, terms, &at, &lead, &lead_end);
        Py_DECREF(match);
        if (r < 0)
            goto fail;
    }
    if (PyErr_Occurred())
        goto fail;
    Py_CLEAR(matches);
    if (lead_end != PY_SSIZE_T_MAX) /* no term ended after it */
        lead = PyList_GET_SIZE(terms);
    if (PyList_GET_SIZE(terms) == 0 && lead == -1)
        lead = 0;
    if (lead == -1)
        return Py_BuildValue("(NO)", terms, Py_None);
    return Py_BuildValue("(Nn)", terms, lead);
fail:
    Py_XDECREF(matches);
    Py_DECREF(terms);
    return NULL;
}

PyDoc_STRVAR(configure_doc,
             "configure(finditer, word_cache, joiners_after, window, groups, remember, persian_terms,\n"
             "          non_persian, stands_alone)\n\n"
             "Called once by analyzers.tokenizer with its pattern's finditer, caches and helpers; `groups`\n"
             "is the pattern's groupindex (the fa and affix groups are read from it).");

static PyObject *
configure(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *new_finditer, *cache, *joiners, *groups, *rem, *persian, *other, *alone;
    Py_ssize_t window;
    if (!PyArg_ParseTuple(args, "OO!O!nO!OOOO:configure", &new_finditer, &PyDict_Type, &cache, &PyDict_Type,
                          &joiners, &window, &PyDict_Type, &groups, &rem, &persian, &other, &alone))
        return NULL;
    PyObject *fa = PyDict_GetItemString(groups, "fa");
    PyObject *affix = PyDict_GetItemString(groups, "affix");
    if (fa == NULL || affix == NULL) {
        PyErr_SetString(PyExc_ValueError, "the pattern has no fa and affix groups");
        return NULL;
    }
    Py_ssize_t fa_index = PyLong_AsSsize_t(fa), affix_index = PyLong_AsSsize_t(affix);
    if (PyErr_Occurred())
        return NULL;
    if (fa_index != 1) { /* the reference reads a word's span as group 1 */
        PyErr_SetString(PyExc_ValueError, "the pattern's fa group must be its first");
        return NULL;
    }
    PyObject *name_fa = PyUnicode_InternFromString("fa");
    PyObject *name_affix = PyUnicode_InternFromString("affix");
    if (name_fa == NULL || name_affix == NULL) {
        Py_XDECREF(name_fa);
        Py_XDECREF(name_affix);
        return NULL;
    }
    Py_XSETREF(kind_fa, name_fa);
    Py_XSETREF(kind_affix, name_affix);
    Py_XSETREF(finditer, Py_NewRef(new_finditer));
    Py_XSETREF(word_cache, Py_NewRef(cache));
    Py_XSETREF(joiners_after, Py_NewRef(joiners));
    Py_XSETREF(remember, Py_NewRef(rem));
    Py_XSETREF(persian_terms, Py_NewRef(persian));
    Py_XSETREF(non_persian, Py_NewRef(other));
    Py_XSETREF(stands_alone, Py_NewRef(alone));
    fa_group = fa_index;
    affix_group = affix_index;
    window_len = window;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"terms_and_lead", (PyCFunction)(void (*)(void))terms_and_lead, METH_FASTCALL, terms_and_lead_doc},
    {"configure", configure, METH_VARARGS, configure_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "analyzers._scan",
    "The compiled twin of analyzers.tokenizer._scan's term-only path (see analyzers.native).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    str_lastindex = PyUnicode_InternFromString("lastindex");
    str_span = PyUnicode_InternFromString("span");
    str_start = PyUnicode_InternFromString("start");
    one = PyLong_FromLong(1);
    if (str_lastindex == NULL || str_span == NULL || str_start == NULL || one == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
