"""The devices every benchmark is parametrised over: each available device of each installed backend."""
import nr_core as nr


def available_devices() -> list[str]:
    return [str(d) for d in nr.__array_namespace_info__().devices()]
