"""Run every benchmark in this folder, one after the other (``make bench``)."""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).parent
ORDER = ["bench_accuracy.py", "bench_mlp.py", "bench_conv.py", "bench_rnn.py",
         "bench_threads.py", "bench_small.py", "bench_gridsearch.py",
         "bench_scale.py", "bench_memory.py", "bench_architectures.py", "bench_quality.py"]

if __name__ == "__main__":
    for name in ORDER:
        script = HERE / name
        if script.exists():
            print(f"\n=== {name} ===", flush=True)
            subprocess.run([sys.executable, str(script)], check=True, cwd=HERE)
