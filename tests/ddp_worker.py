"""Run by tests/test_train.py under torchrun: train on digits, save this process's result."""

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from densenet_lab import data, train
from densenet_lab.models import DenseNet

out = Path(sys.argv[1])
torch.manual_seed(0)
model = DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=10, image_channels=1, stem="cifar")
history = train.fit(model, data.load_data("digits", image_size=8), "quick", epochs=3, batch_size=32,
                    progress=False, device="cpu")
torch.save({"model": model.state_dict(), "history": history.epochs}, out / f"rank{dist.get_rank()}.pt")
dist.destroy_process_group()
