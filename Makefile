# Kavosh: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kavosh-installed
INDEX ?= .kavosh-index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format browser ocr lucene opensearch-jars bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The C speed-ups (analyzers.native) are built by the install: a changed .c file installs again.
$(STAMP): $(BIN)/python setup.cfg setup.py pyproject.toml $(wildcard */*.c */*/*.c)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Byte-code of the project's modules, refreshed on every install: pip compiles an installed package's but not an
# editable one's, and where PYTHONDONTWRITEBYTECODE is set (CI) every `kavosh` start compiled them anew (~0.05 s).
install: $(STAMP)
	$(BIN)/python -m compileall -q analyzers indexer search_ui

# Debian's Chromium for the browser tests (needs root or sudo; CI runs as root).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's Tesseract with its Persian model (for `kavosh index --ocr`) and the fonts the tests draw Persian
# text with: DejaVu for PDFs, Nazli (fonts-farsiweb) for pictures (needs root or sudo; CI runs as root).
ocr:
	@if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx fas \
		|| [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
		|| [ ! -f /usr/share/fonts/truetype/farsiweb/nazli.ttf ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-fas fonts-dejavu-core fonts-farsiweb \
			>/dev/null; \
	fi

# Debian's Lucene 8.7 jars and a JDK to compile our runner: the peer bench/compare.py measures against
# (`make bench` only, not `make test`).
lucene:
	@if [ ! -f /usr/share/java/lucene-core-8.7.0.jar ] || ! command -v javac >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq liblucene8-java default-jdk-headless >/dev/null; \
	fi

# OpenSearch 2.19 jars from Maven Central (cached in .m2/, git-ignored) and our node launcher, for the tests
# and bench/opensearch.py that start a local 3-node cluster. Installs Java 17 and Maven when missing.
OPENSEARCH_TOOLING := tests/opensearch
OPENSEARCH_CP := $(OPENSEARCH_TOOLING)/target/classpath.txt

$(OPENSEARCH_CP): $(OPENSEARCH_TOOLING)/pom.xml $(wildcard $(OPENSEARCH_TOOLING)/src/main/java/kavosh/testing/*.java)
	@if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	fi
	cd $(OPENSEARCH_TOOLING) && mvn -q -B -Dmaven.repo.local=$(CURDIR)/.m2 compile

opensearch-jars: $(OPENSEARCH_CP)

demo: install
	$(BIN)/kavosh index samples --index $(INDEX)
	$(BIN)/kavosh serve --index $(INDEX) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install browser ocr opensearch-jars lint
	$(BIN)/pytest -q

bench: install lucene opensearch-jars
	$(BIN)/python bench/analyzer.py
	$(BIN)/python bench/index.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/size.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/formats.py
	$(BIN)/python bench/analyzer_audit.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/opensearch.py

clean:
	rm -rf $(VENV) $(INDEX) test-output *.egg-info $(OPENSEARCH_TOOLING)/target
