#!/usr/bin/env bash
# Model compression benchmarks (BENCHMARKS.md, "Compressing the model"). Resumable: every run writes its
# own folder under target/bench-out/model-compression and is skipped when it is there.
#
#   benchmarks/model-compression.sh fashion   fc2 against fc2-mpo at bond 2, 4, 8 and lenet5 against
#                                             lenet5-mpo on Fashion-MNIST, SEEDS (1 2 3), FASHION_EPOCHS (5),
#                                             without augmentation (model-compression-fashion.conf)
#   benchmarks/model-compression.sh cifar     a ConvNet and a narrow VGG on PER_CLASS (300) CIFAR-10 training
#                                             images of each class, tested on TEST_PER_CLASS (200) test images
#                                             of each class, CIFAR_EPOCHS (15), then Tucker-2 at tau 0.8, 0.9
#                                             and 0.95: one-shot + 2 fine-tuning epochs
#                                             against 1 progressive + 1 fine-tuning epoch
#   benchmarks/model-compression.sh summary   the tables, as Markdown
#
# Fashion-MNIST comes from the Debian package dataset-fashion-mnist, CIFAR-10 from ../shared/datasets.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="target/bench-out/model-compression"
seeds=(${SEEDS:-1 2 3})
mkdir -p "$out"

subset() { # from to per-class: the first per-class images of each class, as symbolic links
  [[ -d "$2" ]] && return 0
  for class in "$1"/*/; do
    mkdir -p "$2/$(basename "$class")"
    (cd "$class" && ls | LC_ALL=C sort | sed -n "1,${3}p" | sed "s|^|$root/$class|" | xargs ln -s -t "$root/$2/$(basename "$class")")
  done
}

train_once() { # dir args...
  local dir="$1"
  shift
  [[ -f "$dir/classifier.json" ]] && return 0
  mkdir -p "$dir"
  bin/mmps train-teacher --out "$dir" --overwrite "$@" > "$dir.log" 2>&1 || { tail -5 "$dir.log" >&2; return 1; }
}

if [[ "${1:-}" == fashion ]]; then
  fashion="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
  [[ -f "$fashion/train-images-idx3-ubyte.gz" ]] || { echo "missing $fashion: apt-get install dataset-fashion-mnist" >&2; exit 1; }
  for net in fc2 fc2-mpo:2 fc2-mpo:4 fc2-mpo:8 lenet5 lenet5-mpo:4; do
    arch="${net%%:*}"
    bond=()
    name="$arch"
    if [[ "$net" == *:* ]]; then bond=(--bond "${net##*:}"); name="$arch-d${net##*:}"; fi
    for seed in "${seeds[@]}"; do
      echo "fashion: $name, seed $seed" >&2
      train_once "$out/fashion/$name-s$seed" --architecture "$arch" "${bond[@]}" --seed "$seed" \
        --epochs "${FASHION_EPOCHS:-5}" --config benchmarks/model-compression-fashion.conf --train "$fashion/train-images-idx3-ubyte.gz" \
        --test "$fashion/t10k-images-idx3-ubyte.gz"
    done
  done
elif [[ "${1:-}" == cifar ]]; then
  scripts/extract-datasets.sh >&2
  per_class="${PER_CLASS:-300}"
  train="$out/cifar10-train-$per_class"
  test="$out/cifar10-test-${TEST_PER_CLASS:-200}"
  subset target/datasets/cifar10/train "$train" "$per_class"
  subset target/datasets/cifar10/test "$test" "${TEST_PER_CLASS:-200}"
  for net in ${CIFAR_NETS:-convnet vgg-narrow}; do
    teacher="$out/cifar/$net"
    echo "cifar: $net" >&2
    train_once "$teacher" --architecture "$net" --seed 1 --epochs "${CIFAR_EPOCHS:-15}" --train "$train" --test "$test"
    taus=(0.8 0.9 0.95)
    for tau in "${taus[@]}"; do
      for mode in oneshot progressive; do
        dir="$out/cifar/$net-tucker2-$tau-$mode"
        [[ -f "$dir/compression.json" ]] && continue
        echo "cifar: $net, Tucker-2 at $tau, $mode" >&2
        phases=(--finetune-epochs 2)
        [[ "$mode" == progressive ]] && phases=(--progressive-epochs 1 --finetune-epochs 1)
        # A run whose fine-tuning turns NaN is run once more, its first log kept as .nan.log (it happened before
        # the 1x1 layers were matrix products; BENCHMARKS.md, "Tucker-2 on CIFAR-10").
        for try in 1 2; do
          if bin/mmps compress-model --model "$teacher" --method tucker2 --energy "$tau" "${phases[@]}" \
              --train "$train" --test "$test" --out "$dir" --overwrite > "$dir.log" 2>&1; then
            break
          fi
          if [[ "$try" == 1 ]] && grep -q "became NaN" "$dir.log"; then
            mv "$dir.log" "$dir.nan.log"
            echo "cifar: $net, Tucker-2 at $tau, $mode: the loss turned NaN; running it again" >&2
            continue
          fi
          tail -5 "$dir.log" >&2
          exit 1
        done
      done
    done
  done
elif [[ "${1:-}" == summary ]]; then
  python3 - "$out" <<'PY'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
def speed(log):
    rates = re.findall(r"epoch (\d+)/(\d+).*\((\d+) images/s\)", open(log).read()) if os.path.exists(log) else []
    return float(rates[-1][2]) if rates else float("nan")
runs = {}
for f in sorted(glob.glob(f"{out}/fashion/*/classifier.json")):
    d = json.load(open(f))
    name = re.sub(r"-s\d+$", "", os.path.basename(os.path.dirname(f)))
    runs.setdefault(name, []).append((d["notes"]["test_accuracy"], d["parameters"], speed(os.path.dirname(f) + ".log")))
if runs:
    print("| network | parameters | compression | test accuracy % (mean ± sd, seeds) | training images/s |")
    print("|---|---:|---:|---:|---:|")
    for name, rs in runs.items():
        dense = runs.get(name.split("-mpo")[0], rs)[0][1]
        accs = [100 * r[0] for r in rs]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0
        print(f"| `{name}` | {rs[0][1]:,} | {dense / rs[0][1]:.1f}x | {statistics.mean(accs):.2f} ± {sd:.2f} ({len(accs)}) | {statistics.mean(r[2] for r in rs):,.0f} |")
def speedup(r):
    s = r.get("inference")
    return f"{s['factorised'] / s['original']:.2f}" if s else ""
for f in sorted(glob.glob(f"{out}/cifar/*/compression.json")):
    r = json.load(open(f))
    t, a = r["totals"], r["accuracy"]
    if f == sorted(glob.glob(f"{out}/cifar/*/compression.json"))[0]:
        print("\n| run | conv params before -> after | x | all params x | MACs x | original % | decomposed % | progressive % | fine-tuned % | inference x | s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    pct = lambda v: "" if v is None else f"{100 * v:.2f}"
    print(f"| {os.path.basename(os.path.dirname(f))} | {t['layer_parameters_before']:,} -> {t['layer_parameters_after']:,} | "
          f"{t['layer_parameters_before'] / t['layer_parameters_after']:.2f} | {t['parameters_before'] / t['parameters_after']:.2f} | "
          f"{t['macs_before'] / t['macs_after']:.2f} | {pct(a['original'])} | {pct(a['decomposed'])} | {pct(a.get('progressive'))} | "
          f"{pct(a.get('finetuned'))} | {speedup(r)} | {r['seconds']:.0f} |")
PY
else
  echo "usage: benchmarks/model-compression.sh fashion|cifar|summary" >&2
  exit 2
fi
