"""DenseNet, its building blocks, the textbook's version, a ResNet, and the registry.

Read in this order: ``dense`` (layer, block, transition, as in the paper), ``densenet``
(the network), ``textbook`` (d2l 8.7), ``resnet`` (for comparison), ``registry`` (named
models); ``efficient`` holds the memory-efficient and shared-buffer execution of ``dense``.
"""

from .dense import DenseBlock, DenseLayer, Transition
from .densenet import DenseNet, DenseNetConfig, init_weights
from .registry import MODELS, ModelEntry, cifar_config, create_model, get_entry, list_models
from .resnet import BasicBlock, ResNet
from .textbook import TextbookDenseBlock, TextbookDenseNet, conv_block, d2l_densenet, transition_block

__all__ = [
    "BasicBlock",
    "DenseBlock",
    "DenseLayer",
    "DenseNet",
    "DenseNetConfig",
    "MODELS",
    "ModelEntry",
    "ResNet",
    "TextbookDenseBlock",
    "TextbookDenseNet",
    "Transition",
    "cifar_config",
    "conv_block",
    "create_model",
    "d2l_densenet",
    "get_entry",
    "init_weights",
    "list_models",
    "transition_block",
]
