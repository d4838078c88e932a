# 创业幸福地服务平台
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= $(if $(wildcard config.yaml),config.yaml,config.example.yaml)

.PHONY: run test test-miniprogram venv dev-venv migrate seed clean bench bench-booking migrations

# The console's charts: Apache ECharts from the npm registry, served locally (no CDN).
ECHARTS := node_modules/echarts/dist/echarts.min.js
$(ECHARTS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "警告：未找到 npm，控制台进度看板将不显示图表（安装 Node.js 后重新运行 make）" >&2; fi

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Our modules' bytecode, written at install: the service user cannot write __pycache__ under
# /opt/chuangye (deploy/chuangye@.service), and without it every start compiles them all again
# (0.3-0.5 s of the cold start, docs/benchmarks.md). pip writes the libraries' bytecode itself.
COMPILE := $(BIN)/python -m compileall -q -j 0 api bot chuangye handlers knowledge orm_models server

venv: $(BIN)/python $(ECHARTS)
	$(BIN)/pip install -q -e .
	$(COMPILE)

dev-venv: $(BIN)/python $(ECHARTS)
	$(BIN)/pip install -q -e '.[dev]'
	$(COMPILE)

run: venv
	$(BIN)/chuangye --config $(CONFIG) migrate
	$(BIN)/chuangye --config $(CONFIG) seed-demo --if-empty
	$(BIN)/chuangye --config $(CONFIG) serve

# Two pytest-xdist workers (CI machines have two cores); PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n 2

test: dev-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-miniprogram

# The mini-program's jest tests, end to end against the backend in .venv (miniprogram/README.md).
test-miniprogram:
	@if command -v npm >/dev/null 2>&1; then cd miniprogram && npm ci --no-audit --no-fund --silent && npm test; \
	elif [ -n "$$CI" ]; then echo "错误：CI 需要 npm 来运行小程序测试" >&2; exit 1; \
	else echo "警告：未找到 npm，跳过小程序测试（安装 Node.js 后重新运行 make test）" >&2; fi

bench: dev-venv
	$(BIN)/python -m benchmarks.callback_bench

# Needs PostgreSQL (CHUANGYE_BENCH_PG_URL, default the local server): 50 concurrent bookings.
bench-booking: dev-venv
	$(BIN)/python -m benchmarks.booking_bench

clean:
	rm -rf $(VENV) data .pytest_cache

# A new migration for what changed in orm_models (deployments upgrade through every one: never delete them).
migrations: dev-venv
	$(BIN)/tortoise -c chuangye.tortoise_settings.TORTOISE_ORM makemigrations
