from infobase.demo.models import DemoDataset


def demo_data_present() -> bool:
    return DemoDataset.objects.exists()
