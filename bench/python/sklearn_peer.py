#!/usr/bin/python3
"""scikit-learn's side of Kiln's training benchmark (bench/run-peer-comparison).

Reads the training and held-out rows Kiln wrote as CSV (the same split Kiln trains and tests on), fits one model,
measures it on the held-out rows and prints one JSON object on stdout: the fit time (the fit alone, not reading the
CSV), the held-out metrics by Kiln's names, and the row counts. Exit 2 on a bad command line.

Models, the peers a scikit-learn user would pick:
  logistic  LogisticRegression (lbfgs) on one-hot categoricals and standardised numbers (sparse input)
  hgb       HistGradientBoostingClassifier / Regressor, categoricals ordinal-encoded and declared categorical when
            they have at most 255 values (sklearn's limit), else used as ordinal numbers; no early stopping
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, log_loss, mean_absolute_error,
                             mean_squared_error, r2_score, roc_auc_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="CSV of training rows, with a header")
    parser.add_argument("--test", required=True, help="CSV of held-out rows, with a header")
    parser.add_argument("--label", required=True)
    parser.add_argument("--numeric", default="", help="comma-separated numeric feature columns")
    parser.add_argument("--categorical", default="", help="comma-separated categorical feature columns")
    parser.add_argument("--task", choices=["binary", "regression"], required=True)
    parser.add_argument("--model", choices=["logistic", "hgb"], required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-iter", type=int, default=100, help="boosting rounds (hgb) or lbfgs iterations")
    parser.add_argument("--max-depth", type=int, default=6, help="hgb tree depth")
    parser.add_argument("--learning-rate", type=float, default=0.1, help="hgb learning rate")
    parser.add_argument("--max-leaf-nodes", type=int, default=31,
                        help="hgb leaves per tree (sklearn's default 31; 0: no limit but the depth)")
    args = parser.parse_args()
    numeric = [c for c in args.numeric.split(",") if c]
    categorical = [c for c in args.categorical.split(",") if c]
    if args.model == "logistic" and args.task != "binary":
        parser.error("logistic is a classifier; use --model hgb for regression")

    dtypes = {c: "string" for c in categorical}
    started = time.perf_counter()
    train = pd.read_csv(args.train, dtype=dtypes)
    test = pd.read_csv(args.test, dtype=dtypes)
    load_seconds = time.perf_counter() - started
    features = numeric + categorical
    for frame in (train, test):
        for c in categorical:
            frame[c] = frame[c].fillna("__null__")

    if args.model == "logistic":
        prepare = ColumnTransformer([
            ("numeric", make_pipeline(StandardScaler()), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical)], sparse_threshold=1.0)
        model = make_pipeline(prepare, LogisticRegression(max_iter=args.max_iter, solver="lbfgs"))
    else:
        small = [c for c in categorical if train[c].nunique() <= 255]
        prepare = ColumnTransformer([
            ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), categorical),
            ("numeric", "passthrough", numeric)])
        mask = [c in small for c in categorical] + [False] * len(numeric)
        options = dict(max_iter=args.max_iter, max_depth=args.max_depth, learning_rate=args.learning_rate,
                       max_leaf_nodes=args.max_leaf_nodes or None, categorical_features=mask,
                       early_stopping=False, random_state=7)
        estimator = (HistGradientBoostingClassifier(**options) if args.task == "binary"
                     else HistGradientBoostingRegressor(**options))
        model = make_pipeline(prepare, estimator)

    x_train, y_train = train[features], train[args.label].to_numpy()
    x_test, y_test = test[features], test[args.label].to_numpy()
    with threadpool_limits(limits=args.threads):
        started = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds = time.perf_counter() - started
        if args.task == "binary":
            p = model.predict_proba(x_test)[:, 1]
            metrics = {"auc_roc": roc_auc_score(y_test, p), "auc_pr": average_precision_score(y_test, p),
                       "accuracy": accuracy_score(y_test, (p > 0.5).astype(int)),
                       "log_loss": log_loss(y_test, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])}
        else:
            yhat = model.predict(x_test)
            metrics = {"rmse": float(np.sqrt(mean_squared_error(y_test, yhat))),
                       "mae": mean_absolute_error(y_test, yhat), "r2": r2_score(y_test, yhat)}
    print(json.dumps({"model": args.model, "task": args.task, "fit_seconds": fit_seconds,
                      "load_seconds": load_seconds, "train_rows": len(train), "test_rows": len(test),
                      "threads": args.threads, "metrics": {k: float(v) for k, v in metrics.items()}}))


if __name__ == "__main__":
    sys.exit(main())
